// Admit and Settle: a request is admitted only when every limited scope it belongs to — its key, the key's user, the
// key's team and the request's end user; for a JWT caller, the token's user and team — admits it in the shared
// ledger. Scopes are asked in parallel; when one refuses, the others are released again, so a refused request leaves
// no trace (a concurrent request may see the released counts for a moment, which can only refuse it, never admit too
// much).

import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { Counter, type Logger, metricsRegistry } from "@switchyard/runtime";
import { addDuration } from "../duration.js";
import type { PolicyState } from "../state.js";
import {
  type AdmitOutcome,
  admit,
  type LimitStatus,
  release,
  releaseUnused,
  renew,
  type ScopeLimits,
  settle,
  tracksSpend,
} from "./entry.js";
import { isLedgerKey, ledgerKey, type Scope, type ScopeKind } from "./keys.js";
import type { Ledger } from "./kv-ledger.js";
import type { ReservationPricer } from "./reserve.js";

const { AdmitDecision } = policy;

const softBudgetTotal = new Counter({
  name: "switchyard_policy_soft_budget_reached_total",
  help: "Requests admitted while their key's, team's, user's or end user's spend was at or over its soft budget.",
  labelNames: ["kind"],
  registers: [metricsRegistry()],
});
const admissionsTotal = new Counter({
  name: "switchyard_policy_admissions_total",
  help: "Admit decisions by outcome (admit, rate_limited, budget_exceeded, not_now, ...) and whether it was a prefetch.",
  labelNames: ["decision", "prefetch"],
  registers: [metricsRegistry()],
});

/** How long an admission may stay unsettled before its slots are freed and its reservations count as spent. */
export const ADMISSION_TTL_MS = 15 * 60_000;
/** Most admissions one prefetch takes. */
const MAX_PREFETCH = 32;
/** Largest token counts taken from a request (beyond this a count is nonsense, not a request). */
const MAX_TOKENS = 100_000_000;

/** Serves the PolicyService Admit and Settle calls. */
export interface Admissions {
  admit(request: policy.AdmitRequest): Promise<policy.AdmitResponse>;
  settle(request: policy.SettleRequest): Promise<void>;
}

/** What admissions read and write. */
export interface AdmissionDeps {
  state: PolicyState;
  ledger: Ledger;
  pricer: ReservationPricer;
  now?: () => number;
  ttlMs?: number;
  /** Where a crossed soft budget is reported. */
  log?: Logger;
  /**
   * Metering's recorded spend of a scope since `fromMs` (nano-dollars): a budget that never resets starts from it, as
   * LiteLLM compares such a budget with all the spend of the key. Without it such budgets start at 0.
   */
  recordedSpend?: (kind: ScopeKind, id: string, fromMs: number) => Promise<bigint>;
}

const DURATION_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The end of the budget window that holds `nowMs`: windows are `duration` long, laid end to end from the record's
 * `budget_reset_at_ms`, so every replica computes the same window from the same record without writing anything.
 * 0 when the budget never resets.
 */
export function budgetWindowEnd(resetAtMs: bigint, duration: string, nowMs: number): number {
  const anchor = Number(resetAtMs);
  if (duration === "" || anchor <= 0) return 0;
  if (anchor > nowMs) return anchor;
  const match = /^(\d+)(s|m|h|d|mo)$/.exec(duration);
  if (!match) return 0;
  const unit = DURATION_MS[match[2] as string];
  if (unit !== undefined) {
    const length = Number(match[1]) * unit;
    return anchor + (Math.floor((nowMs - anchor) / length) + 1) * length;
  }
  let end = anchor;
  // Calendar months: at most a few hundred steps for any anchor a record can hold.
  for (let i = 0; end <= nowMs && i < 100_000; i++) end = addDuration(end, duration);
  return end;
}

/** A record's limits as the ledger applies them; undefined when it limits nothing. */
export function scopeLimits(
  limits: policy.Limits | undefined,
  resetAtMs: bigint,
  nowMs: number,
): ScopeLimits | undefined {
  if (!limits) return undefined;
  const out: ScopeLimits = { budgetWindowEndMs: 0 };
  if (limits.rpmLimit !== undefined) out.rpm = limits.rpmLimit;
  if (limits.tpmLimit !== undefined) out.tpm = Number(limits.tpmLimit);
  if (limits.maxParallelRequests !== undefined) out.parallel = limits.maxParallelRequests;
  if (limits.maxBudgetNanos !== undefined || limits.softBudgetNanos !== undefined) {
    // A soft budget alone refuses nothing, but its window's spend is tracked so that reaching it can be reported.
    if (limits.maxBudgetNanos !== undefined) out.maxBudgetNanos = limits.maxBudgetNanos;
    if (limits.softBudgetNanos !== undefined) out.softBudgetNanos = limits.softBudgetNanos;
    out.budgetWindowEndMs = budgetWindowEnd(resetAtMs, limits.budgetDuration, nowMs);
  }
  const limited =
    out.rpm !== undefined ||
    out.tpm !== undefined ||
    out.parallel !== undefined ||
    out.maxBudgetNanos !== undefined ||
    out.softBudgetNanos !== undefined;
  return limited ? out : undefined;
}

/** Whether a record's limits need an Admit (a soft budget alone does too: its spend is tracked to report it). */
export function hasLimits(limits: policy.Limits | undefined): boolean {
  return scopeLimits(limits, 0n, 0) !== undefined;
}

const DECISION_OF = {
  rate: AdmitDecision.RATE_LIMITED,
  budget: AdmitDecision.BUDGET_EXCEEDED,
  prefetch: AdmitDecision.NOT_NOW,
} as const;

const WHO: Readonly<Record<ScopeKind, string>> = {
  key: "this key",
  user: "the key's user",
  team: "the key's team",
  end_user: "the end user",
};
const WHO_FOR_TOKEN: Readonly<Record<ScopeKind, string>> = {
  ...WHO,
  user: "the token's user",
  team: "the token's team",
};

/** The key id the Authorize decision gives a JWT caller (jwt-claims.ts): no stored key has one like it. */
export function isTokenPrincipal(keyId: string): boolean {
  return keyId.startsWith("jwt:");
}

function clampCount(value: bigint | number): number {
  const n = Number(value);
  return Number.isFinite(n) ? Math.min(MAX_TOKENS, Math.max(0, Math.floor(n))) : 0;
}

/** The tighter of two statuses: the one with less remaining. */
function tighter(a: LimitStatus | undefined, b: LimitStatus | undefined): LimitStatus | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.remaining < a.remaining ? b : a;
}

function toStatus(s: LimitStatus | undefined): policy.RateLimitStatus | undefined {
  return s
    ? create(policy.RateLimitStatusSchema, {
        limit: BigInt(s.limit),
        remaining: BigInt(s.remaining),
        resetMs: BigInt(Math.max(0, Math.ceil(s.resetMs))),
      })
    : undefined;
}

/** Creates the admission logic over the replica's state and the shared ledger. */
export function createAdmissions(deps: AdmissionDeps): Admissions {
  const now = deps.now ?? Date.now;
  const ttl = deps.ttlMs ?? ADMISSION_TTL_MS;

  const scopesOf = (request: policy.AdmitRequest, nowMs: number): Scope[] | policy.AdmitResponse => {
    // A JWT caller has no key record: the team and user its Authorize decision named stand in for the key's.
    const key = isTokenPrincipal(request.keyId)
      ? create(policy.KeySchema, { teamId: request.teamId, userId: request.userId })
      : deps.state.key(request.keyId)?.key;
    if (!key) {
      return create(policy.AdmitResponseSchema, {
        decision: AdmitDecision.UNAUTHENTICATED,
        reason: "invalid api key",
      });
    }
    const scopes: Scope[] = [];
    const add = (
      kind: ScopeKind,
      id: string,
      record: { limits?: policy.Limits | undefined; budgetResetAtMs: bigint; createdAtMs: bigint },
    ) => {
      const applied = scopeLimits(record.limits, record.budgetResetAtMs, nowMs);
      if (applied) scopes.push({ kind, id, limits: applied, createdAtMs: Number(record.createdAtMs) });
    };
    if (key.keyId !== "") add("key", key.keyId, key);
    const user = key.userId ? deps.state.get("users", key.userId) : undefined;
    if (user) add("user", user.userId, user);
    const team = key.teamId ? deps.state.get("teams", key.teamId) : undefined;
    if (team) add("team", team.teamId, team);
    if (request.endUser !== "") {
      const customer = deps.state.get("customers", request.endUser);
      if (customer?.blocked) {
        return create(policy.AdmitResponseSchema, {
          decision: AdmitDecision.FORBIDDEN,
          reason: "the end user is blocked",
        });
      }
      if (customer) add("end_user", customer.userId, customer);
    }
    return scopes;
  };

  // A crossed soft budget is logged once per scope and budget window in this process, and counted per request.
  const softReported = new Map<string, number>();
  const reportSoftBudget = (scope: Scope) => {
    softBudgetTotal.inc({ kind: scope.kind });
    const key = ledgerKey(scope);
    if (softReported.get(key) === scope.limits.budgetWindowEndMs) return;
    if (softReported.size >= 100_000) softReported.clear();
    softReported.set(key, scope.limits.budgetWindowEndMs);
    deps.log?.warn(
      { scope: scope.kind, id: scope.id, softBudgetNanos: String(scope.limits.softBudgetNanos) },
      "soft budget reached",
    );
  };

  // Entries known to hold their never-resetting budget already; others are checked (and seeded) once per process.
  const seeded = new Set<string>();
  const needsSeed = (scope: Scope) =>
    deps.recordedSpend !== undefined &&
    tracksSpend(scope.limits) &&
    scope.limits.budgetWindowEndMs === 0 &&
    !seeded.has(ledgerKey(scope));
  const seed = async (scope: Scope): Promise<void> => {
    if (!deps.recordedSpend) return;
    const key = ledgerKey(scope);
    const started = await deps.ledger.apply(key, (entry) => entry.b !== undefined && entry.b.e === 0);
    if (!started) scope.limits.seedNanos = await deps.recordedSpend(scope.kind, scope.id, scope.createdAtMs);
    seeded.add(key);
  };

  const admitOne = async (request: policy.AdmitRequest): Promise<policy.AdmitResponse> => {
    const nowMs = now();
    const scopes = scopesOf(request, nowMs);
    if (!Array.isArray(scopes)) return scopes;
    // Only the first admission of such a budget waits here; later ones stay in the tick of the settles they carry.
    const unseeded = scopes.filter(needsSeed);
    if (unseeded.length > 0) await Promise.all(unseeded.map(seed));
    const id = randomBytes(12).toString("base64url");
    if (scopes.length === 0) {
      const admission = create(policy.AdmissionSchema, { id, expiresAtMs: BigInt(nowMs + ttl) });
      return create(policy.AdmitResponseSchema, { decision: AdmitDecision.ADMIT, admission });
    }

    const prompt = clampCount(request.promptTokens);
    const reservation = deps.pricer.reserve(
      request.model,
      prompt,
      clampCount(request.maxOutputTokens),
      Math.min(128, request.choices),
      {
        images: Math.min(128, request.images),
        audioMillis: request.audioMillis,
        queries: Math.min(1_000_000, request.queries),
      },
    );
    // A prefetch may take several admissions of one shape at once; each scope admits them in order until one does
    // not fit, and all scopes keep as many as the one that kept fewest.
    const count = request.prefetch ? Math.min(MAX_PREFETCH, Math.max(1, request.count)) : 1;
    const demands = Array.from({ length: count }, (_, i) => ({
      id: i === 0 ? id : `${id}.${i}`,
      tokens: reservation.tokens,
      nanos: reservation.nanos,
      nowMs,
      expiresAtMs: nowMs + ttl,
      prefetch: request.prefetch,
    }));
    const perScope: AdmitOutcome[][] = await Promise.all(
      scopes.map((scope) =>
        deps.ledger.apply(ledgerKey(scope), (entry) => {
          const outcomes: AdmitOutcome[] = [];
          for (const demand of demands) {
            const outcome = admit(entry, scope.limits, demand);
            outcomes.push(outcome);
            if (!outcome.ok) break;
          }
          return outcomes;
        }),
      ),
    );
    let requests: LimitStatus | undefined;
    let tokens: LimitStatus | undefined;
    for (const outcomes of perScope) {
      const last = outcomes[outcomes.length - 1] as AdmitOutcome;
      requests = tighter(requests, last.requests);
      tokens = tighter(tokens, last.tokens);
    }
    const granted = Math.min(...perScope.map((outcomes) => outcomes.filter((o) => o.ok).length));
    // Give back what some scopes admitted beyond what all of them did.
    await Promise.all(
      perScope.map((outcomes, i) => {
        const extra = outcomes.slice(granted).filter((o): o is Extract<AdmitOutcome, { ok: true }> => o.ok);
        if (extra.length === 0) return undefined;
        return deps.ledger.apply(ledgerKey(scopes[i] as Scope), (entry) => {
          for (const [j, o] of extra.entries()) release(entry, (demands[granted + j] as { id: string }).id, o.hold);
        });
      }),
    );
    if (granted === 0) {
      const refusedAt = perScope.findIndex((outcomes) => !(outcomes[0] as AdmitOutcome).ok);
      const refusal = (perScope[refusedAt] as AdmitOutcome[])[0] as Extract<AdmitOutcome, { ok: false }>;
      const scope = scopes[refusedAt] as Scope;
      return create(policy.AdmitResponseSchema, {
        decision: DECISION_OF[refusal.kind],
        reason: `${refusal.reason} for ${(isTokenPrincipal(request.keyId) ? WHO_FOR_TOKEN : WHO)[scope.kind]}`,
        retryAfterMs: BigInt(Math.ceil(refusal.retryAfterMs)),
        requests: toStatus(requests),
        tokens: toStatus(tokens),
      });
    }
    const admissions = demands.slice(0, granted).map((demand, d) =>
      create(policy.AdmissionSchema, {
        id: demand.id,
        expiresAtMs: BigInt(demand.expiresAtMs),
        holds: perScope.map((outcomes, i) => {
          const hold = (outcomes[d] as Extract<AdmitOutcome, { ok: true }>).hold;
          return create(policy.HoldSchema, {
            scope: ledgerKey(scopes[i] as Scope),
            second: BigInt(hold.second),
            tokens: BigInt(hold.tokens),
            slot: hold.slot,
            budget: hold.budget,
            reservedNanos: hold.reservedNanos,
            budgetWindowEndMs: BigInt(hold.budgetWindowEndMs),
          });
        }),
      }),
    );
    const soft = perScope.flatMap((outcomes, i) =>
      (outcomes[0] as AdmitOutcome).ok && (outcomes[0] as { softBudgetReached?: boolean }).softBudgetReached
        ? [scopes[i] as Scope]
        : [],
    );
    for (const scope of soft) reportSoftBudget(scope);
    return create(policy.AdmitResponseSchema, {
      decision: AdmitDecision.ADMIT,
      softBudgetReached: soft.map((scope) => scope.kind),
      admission: admissions[0],
      admissions: request.prefetch ? admissions : [],
      requests: toStatus(requests),
      tokens: toStatus(tokens),
    });
  };

  const settleOne = async (request: policy.SettleRequest): Promise<void> => {
    const admission = request.admission;
    if (!admission || admission.id === "") return;
    const actual = {
      tokens: clampCount(request.promptTokens) + clampCount(request.completionTokens),
      nanos: request.costNanos,
    };
    await Promise.all(
      admission.holds.map((hold) => {
        if (request.unused) {
          return isLedgerKey(hold.scope)
            ? deps.ledger.apply(hold.scope, (entry) => releaseUnused(entry, admission.id))
            : undefined;
        }
        if (request.renew) {
          const until = now() + ttl;
          return (hold.slot || hold.budget) && isLedgerKey(hold.scope)
            ? deps.ledger.apply(hold.scope, (entry) => renew(entry, admission.id, until))
            : undefined;
        }
        const changes = (hold.tokens > 0n || hold.slot || hold.budget) && isLedgerKey(hold.scope);
        const used = request.useReservation ? { tokens: clampCount(hold.tokens), nanos: hold.reservedNanos } : actual;
        return changes ? deps.ledger.apply(hold.scope, (entry) => settle(entry, admission.id, used)) : undefined;
      }),
    );
  };

  return {
    async admit(request) {
      // Settles riding along go first, in the same tick, so they share the admission's ledger writes. One that fails
      // while the admission succeeds (a rare conflict storm) leaves its admission to expire: slots freed, reservation
      // counted as spent, the safe side. If the ledger is down the Admit fails too, and the ingress keeps them.
      const settled = Promise.all(request.settles.map((s) => settleOne(s).catch(() => undefined)));
      try {
        const res = await admitOne(request);
        admissionsTotal.inc({
          decision: AdmitDecision[res.decision].toLowerCase(),
          prefetch: String(request.prefetch),
        });
        return res;
      } finally {
        await settled;
      }
    },
    settle: settleOne,
  };
}
