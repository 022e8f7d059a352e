import { type Deployment, type FallbackRule, type RouterSettings, timeoutsFor } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { type Breakers, notTheDeployment } from "./breakers.js";
import { fallbackChain, type ModelGroups, pickWeighted } from "./groups.js";
import type { DeploymentStats } from "./stats.js";
import { byTags, type Picker } from "./strategies.js";

/** What the router needs to plan attempts. */
export interface RouteDeps {
  groups: ModelGroups;
  settings: RouterSettings;
  breakers: Breakers;
  /** The routing strategy; weighted random choice when absent. */
  picker?: Picker;
  /** Observations the strategies read, updated around every attempt. */
  stats?: DeploymentStats;
  random?: () => number;
}

/** One attempt the router makes against one deployment. */
export interface Attempt {
  readonly deployment: Deployment;
  /** 1-based number of this attempt within the request. */
  readonly number: number;
  /**
   * Time this attempt may take before it counts as timed out: the whole answer of a non-streamed attempt, never past
   * the request's deadline.
   */
  readonly timeoutMs: number;
  /** A streamed attempt's wait for its first chunk (`first_token_timeout`), never past the request's deadline. */
  readonly firstTokenMs: number;
  /** A streamed attempt's longest silence between two chunks (`stream_timeout`). */
  readonly idleMs: number;
  /** TCP and TLS connect to the upstream (`connect_timeout`). */
  readonly connectMs: number;
  /** The model group this attempt serves: the requested one, or a fallback group. */
  readonly modelGroup: string;
  /** 0 for the requested group, 1 for its first fallback group, and so on. */
  readonly fallbackDepth: number;
}

/**
 * What the failed attempts of one request were charged together, from the charge each worker puts on its error. An
 * upstream that timed out or was cancelled may have worked and billed for it; the caller's budgets are settled with
 * this plus the answer's own charge.
 */
export class FailedAttempts {
  costNanos = 0n;
  promptTokens = 0;
  completionTokens = 0;
  /** False once an attempt failed without a charge: its worker never answered (unreachable, or silent too long). */
  known = true;

  /** Counts one failed attempt that reached a worker. */
  add(error: GatewayError): void {
    const { detail } = error;
    if (detail.costNanos === undefined) {
      this.known = false;
      return;
    }
    this.costNanos += detail.costNanos;
    this.promptTokens += detail.promptTokens;
    this.completionTokens += detail.completionTokens;
  }

  /** True when any failed attempt was charged something. */
  get charged(): boolean {
    return this.costNanos > 0n || this.promptTokens > 0 || this.completionTokens > 0;
  }

  /**
   * Puts the charge of the whole failed request on the error the caller sees: these attempts plus `last` (the
   * attempt the error comes from when it is not among them, such as a committed stream cut short), or no charge
   * when some part is unknown.
   */
  stamp(error: GatewayError, last?: GatewayError): void {
    const known = this.known && (last === undefined || last.detail.costNanos !== undefined);
    const { detail } = error;
    if (!known) {
      detail.costNanos = undefined;
      detail.promptTokens = 0;
      detail.completionTokens = 0;
      return;
    }
    detail.costNanos = this.costNanos + (last?.detail.costNanos ?? 0n);
    detail.promptTokens = this.promptTokens + (last?.detail.promptTokens ?? 0);
    detail.completionTokens = this.completionTokens + (last?.detail.completionTokens ?? 0);
  }
}

/**
 * A successful routing: the value, the deployment that produced it, how many attempts it took and what the failed
 * ones before it were charged.
 */
export interface Routed<T> {
  readonly value: T;
  readonly deployment: Deployment;
  readonly attempts: number;
  readonly failed: FailedAttempts;
}

/**
 * Routing gave up: the error the caller sees, with the attempts made, the last deployment tried and what the failed
 * attempts were charged.
 */
export class RoutingFailed extends Error {
  constructor(
    readonly error: GatewayError,
    readonly attempts: number,
    readonly deploymentId = "",
    readonly failed = new FailedAttempts(),
  ) {
    super(error.message, { cause: error });
  }
}

/** First retry waits up to this long (full jitter), doubling per retry up to `BACKOFF_CAP_MS`. */
const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 2_000;
/** The longest upstream Retry-After a retry waits for; a longer one moves on to the fallbacks instead. */
export const RETRY_AFTER_CAP_MS = 10_000;
/**
 * The retry budget per deployment: retries in the last minute may reach this share of its requests (plus a floor for
 * light traffic). Beyond it a failing group goes straight to its fallbacks, so an outage does not multiply load.
 */
export const RETRY_BUDGET_RATIO = 0.2;
export const RETRY_BUDGET_FLOOR = 10;

/** How long to wait before retry number `n` (1-based) after `last`; undefined when the wait would be too long. */
export function retryDelayMs(
  n: number,
  last: GatewayError | undefined,
  minMs: number,
  random: () => number = Math.random,
): number | undefined {
  const backoff = random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (n - 1));
  const asked = last?.detail.retryAfterSeconds;
  if (asked !== undefined && asked * 1000 > RETRY_AFTER_CAP_MS) return undefined;
  return Math.max(backoff, minMs, (asked ?? 0) * 1000);
}

/** Whether the retry budget of a deployment allows one more retry. */
export function withinRetryBudget(stats: DeploymentStats, id: string): boolean {
  return stats.retriesLastMinute(id) < Math.max(RETRY_BUDGET_FLOOR, RETRY_BUDGET_RATIO * stats.requestsLastMinute(id));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

function unavailable(message: string): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message });
}

/**
 * Runs `run` against deployments of the requested model group until one succeeds: up to
 * `num_retries` further attempts per group (preferring deployments not yet tried), then the fallback
 * groups in order. Only retryable failures (429, 5xx, timeouts, connection errors) move on; any other
 * error is final. Deployments whose breaker is open are skipped without a call.
 */
/** Per-request inputs of `route` besides the model and the attempt function. */
export interface RouteOptions {
  signal?: AbortSignal;
  /** The request's tags, for tag-based routing. */
  tags?: readonly string[];
  /**
   * Counts the request's prompt tokens, asked only when a deployment declares its context window
   * (`model_info.max_input_tokens`): a prompt that does not fit is not sent there.
   */
  promptTokens?: () => Promise<number>;
  /** Client-side fallbacks (the request's `fallbacks`): used in place of the configured `fallbacks` when given. */
  fallbacks?: readonly string[];
  /**
   * The request's deadline (ms since epoch), from the caller's Connect deadline: no attempt outlasts it and no retry
   * waits past it. `signal` fires when it passes.
   */
  deadline?: number;
}

/** The error that ends routing once `signal` fired: its reason when that is a GatewayError (a deadline), else CANCELLED. */
function stopped(signal: AbortSignal): GatewayError {
  const reason: unknown = signal.reason;
  if (reason instanceof GatewayError) return reason;
  return new GatewayError({ class: llm.ErrorClass.CANCELLED, message: "request cancelled" });
}

function deadlineExceeded(): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.TIMEOUT, message: "the request's deadline passed (total_timeout)" });
}

/** An attempt failing this close to the request's deadline was cut short by it. */
const DEADLINE_SLACK_MS = 20;

/** Most groups a request visits: the requested one and up to five fallback groups. */
const MAX_GROUPS = 6;

/** The context window a deployment declares (`model_info.max_input_tokens`); undefined when it declares none. */
function contextWindow(deployment: Deployment): number | undefined {
  const value = deployment.modelInfo["max_input_tokens"];
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** The fallback groups configured for `group` under `rules`, or undefined when none are. */
function fallbacksOf(group: string, rules: readonly FallbackRule[]): readonly string[] | undefined {
  return rules.find((r) => r.from === group)?.to;
}

export async function route<T>(
  model: string,
  deps: RouteDeps,
  run: (attempt: Attempt) => Promise<T>,
  options: RouteOptions = {},
): Promise<Routed<T>> {
  const { groups, settings, breakers } = deps;
  const { signal, tags = [], deadline = Number.POSITIVE_INFINITY } = options;
  if (!groups.resolve(model)) {
    throw new RoutingFailed(
      new GatewayError({ class: llm.ErrorClass.NOT_FOUND, message: `model "${model}" does not exist`, param: "model" }),
      0,
    );
  }
  const tried = new Set<string>();
  const failed = new FailedAttempts();
  let attempts = 0;
  let last: GatewayError | undefined;
  let lastId = "";
  let prompt: Promise<number> | undefined;
  const countPrompt = () => {
    prompt ??= options.promptTokens ? options.promptTokens() : Promise.resolve(0);
    return prompt;
  };
  // The groups still to visit. Retryable failures follow `fallbacks` (or `default_fallbacks`); a prompt too long for
  // a group switches to its `context_window_fallbacks`, a content-filter refusal to its `content_policy_fallbacks`.
  let queue =
    options.fallbacks && options.fallbacks.length > 0
      ? [model, ...options.fallbacks.filter((g) => g !== model)].slice(0, MAX_GROUPS)
      : fallbackChain(model, settings.fallbacks, settings.defaultFallbacks, MAX_GROUPS - 1);
  const visited = new Set<string>();
  let depth = -1;
  const switchTo = (name: string, rules: readonly FallbackRule[]): boolean => {
    const next = fallbacksOf(name, rules);
    if (!next) return false;
    queue = next.filter((g) => !visited.has(g)).slice(0, MAX_GROUPS - visited.size);
    return true;
  };
  while (queue.length > 0 && visited.size < MAX_GROUPS) {
    const name = queue.shift() as string;
    if (visited.has(name)) continue;
    visited.add(name);
    depth++;
    const group = groups.resolve(name);
    if (!group) continue;
    const eligible = settings.tagFiltering ? byTags(group.deployments, tags) : group.deployments;
    // Decided before sending: deployments whose declared context window the counted prompt exceeds are left out.
    let fitting = eligible;
    if (eligible.some((d) => contextWindow(d) !== undefined)) {
      const tokens = await countPrompt();
      fitting = eligible.filter((d) => tokens <= (contextWindow(d) ?? Number.POSITIVE_INFINITY));
      if (fitting.length === 0) {
        last = new GatewayError({
          class: llm.ErrorClass.CONTEXT_WINDOW_EXCEEDED,
          message: `the prompt (about ${tokens} tokens) exceeds the context window of every deployment of "${name}"`,
        });
        if (switchTo(name, settings.contextWindowFallbacks)) continue;
        throw new RoutingFailed(last, attempts, lastId, failed);
      }
    }
    let switched = false;
    for (let i = 0; i <= settings.numRetries && !switched; i++) {
      if (signal?.aborted) throw new RoutingFailed(stopped(signal), attempts, lastId, failed);
      if (Date.now() >= deadline) throw new RoutingFailed(deadlineExceeded(), attempts, lastId, failed);
      const healthy = fitting.filter((d) => !breakers.isOpen(d.id));
      if (healthy.length === 0) {
        // After a failed attempt here (a 429 that cooled the deployment down, say), that failure is the answer.
        if (i === 0 || !last) last = unavailable(`every deployment of "${name}" is cooling down after failures`);
        break;
      }
      const fresh = healthy.filter((d) => !tried.has(d.id));
      const candidates = fresh.length > 0 ? fresh : healthy;
      const deployment = deps.picker ? deps.picker.pick(candidates) : pickWeighted(candidates, deps.random);
      if (!deployment) {
        last = new GatewayError({
          class: llm.ErrorClass.RATE_LIMITED,
          message: `every deployment of "${name}" is at its rpm limit`,
        });
        break;
      }
      if (i > 0) {
        // A retry within the group: within the deployment's retry budget, after a backoff (or the upstream's
        // Retry-After, when it asks for a wait we are willing to make); otherwise on to the fallbacks.
        if (deps.stats && !withinRetryBudget(deps.stats, deployment.id)) break;
        const wait = retryDelayMs(i, last, (settings.retryAfterSeconds ?? 0) * 1000, deps.random);
        // A wait that would end past the deadline leaves no time for the retry itself: try the fallbacks instead.
        if (wait === undefined || Date.now() + wait >= deadline) break;
        await sleep(wait, signal);
        if (signal?.aborted) continue;
        deps.stats?.retried(deployment.id);
      }
      tried.add(deployment.id);
      attempts++;
      lastId = deployment.id;
      const limits = timeoutsFor(settings, name, deployment);
      const left = deadline - Date.now();
      const attempt: Attempt = {
        deployment,
        number: attempts,
        timeoutMs: Math.max(1, Math.min(limits.attemptMs, left)),
        firstTokenMs: Math.max(1, Math.min(limits.firstTokenMs, left)),
        idleMs: limits.idleMs,
        connectMs: limits.connectMs,
        modelGroup: name,
        fallbackDepth: depth,
      };
      const end = deps.stats?.begin(deployment.id);
      const started = performance.now();
      try {
        const value = await breakers.fire(deployment.id, () =>
          run(attempt).catch((err: unknown) => {
            // Cut short by the request's own deadline, not by the deployment's slowness: not held against it.
            throw Date.now() >= deadline - DEADLINE_SLACK_MS ? notTheDeployment(err) : err;
          }),
        );
        end?.({ ok: true, latencyMs: performance.now() - started });
        return { value, deployment, attempts, failed };
      } catch (err) {
        end?.({ ok: false, latencyMs: performance.now() - started });
        const open = isOpenBreaker(err);
        const error = open ? unavailable(`deployment "${deployment.id}" is cooling down`) : GatewayError.from(err);
        // An open breaker made no call; any other failure reached a worker, which says what the attempt was charged.
        if (!open) failed.add(error);
        last = error;
        if (error.errorClass === llm.ErrorClass.CONTEXT_WINDOW_EXCEEDED) {
          if (!switchTo(name, settings.contextWindowFallbacks))
            throw new RoutingFailed(error, attempts, deployment.id, failed);
          switched = true;
        } else if (error.errorClass === llm.ErrorClass.CONTENT_POLICY) {
          if (!switchTo(name, settings.contentPolicyFallbacks))
            throw new RoutingFailed(error, attempts, deployment.id, failed);
          switched = true;
        } else if (!error.retryable) {
          throw new RoutingFailed(error, attempts, deployment.id, failed);
        }
      }
    }
  }
  throw new RoutingFailed(last ?? unavailable(`no deployment of "${model}" is available`), attempts, lastId, failed);
}

function isOpenBreaker(err: unknown): boolean {
  return err instanceof Error && (err as Error & { code?: string }).code === "EOPENBREAKER";
}
