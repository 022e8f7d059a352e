// Background health checks, LiteLLM's `general_settings.background_health_checks`: every deployment is probed once per
// `health_check_interval` (health-probe.ts says what a probe is), so `GET /health` reports each deployment from these
// results instead of calling upstreams while an admin waits, and no client pays for a probe on its request path.
//
// Probes are spread out: the first round over the first seconds after start (at most the interval), then each
// deployment on its own timer, every interval give or take 10 %, so they do not line up into bursts; and at most
// MAX_CONCURRENT_PROBES run at once, the rest wait their turn. Results never steer routing and never touch the
// breakers, as in LiteLLM: one probe every few minutes is too thin a sample to open a breaker on, and it must not take
// the single half-open probe slot from real traffic. A failing probe is visible instead: in `/health`,
// `/health/deployments`, the `switchyard_router_health_check_healthy` gauge and one log line per change.

import { create } from "@bufbuild/protobuf";
import type { Deployment } from "@switchyard/config";
import { llm, router } from "@switchyard/proto";
import { GatewayError, Gauge, type Logger, metricsRegistry } from "@switchyard/runtime";
import { NO_WORKER_CODE } from "./failover.js";
import { type Probe, type ProbePlan, planProbes, safeMessage } from "./health-probe.js";

/** Most probes in flight at once, whatever the number of deployments. */
export const MAX_CONCURRENT_PROBES = 4;
/** The first round of probes is spread over this long after start (or the interval, when shorter). */
export const FIRST_ROUND_SPREAD_MS = 10_000;
/** A probe no provider worker took (none up yet, all restarting) is tried again this soon, not a whole interval later. */
export const NO_WORKER_RETRY_MS = 5_000;
/** Each wait is the interval times a random factor in [1 - JITTER, 1 + JITTER]. */
const JITTER = 0.1;

const healthyGauge = new Gauge({
  name: "switchyard_router_health_check_healthy",
  help: "Outcome of each deployment's latest background health check: 1 healthy, 0 unhealthy.",
  labelNames: ["deployment"],
  registers: [metricsRegistry()],
});

/** The latest probe of one deployment. */
export interface HealthCheckResult {
  readonly healthy: boolean;
  /** Unix ms when the probe started. */
  readonly checkedAtMs: number;
  readonly latencyMs: number;
  /** Why it failed; UNSPECIFIED when healthy. */
  readonly errorClass: llm.ErrorClass;
  /** The failure's message without credentials or URLs (health-probe.ts safeMessage); empty when healthy. */
  readonly errorMessage: string;
  /** Failed probes in a row; 0 when healthy. */
  readonly consecutiveFailures: number;
}

/** Starts a timer; returns the function that cancels it. Injectable so tests can drive time. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

/** Options of `createHealthChecks`. */
export interface HealthChecksOptions {
  readonly deployments: readonly Deployment[];
  /** `health_check_interval`: the time between two probes of one deployment. */
  readonly intervalMs: number;
  /** Sends one probe (workerProbe in production). */
  readonly probe: Probe;
  readonly log: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly setTimer?: SetTimer;
}

/** The background prober of one router replica. */
export interface HealthChecks {
  /** Schedules the first round; calling it again does nothing. */
  start(): void;
  /** Cancels every pending probe and aborts those in flight; resolves once they have settled. */
  stop(): Promise<void>;
  /** The latest result of a deployment; undefined before its first probe, and for deployments not probed. */
  result(deploymentId: string): HealthCheckResult | undefined;
}

/** The result of a probe that started at `startedAt` and ended at `endedAt`; `error` when it failed. */
function resultOf(
  startedAt: number,
  endedAt: number,
  error: GatewayError | undefined,
  before: HealthCheckResult | undefined,
): HealthCheckResult {
  return {
    healthy: error === undefined,
    checkedAtMs: startedAt,
    latencyMs: endedAt - startedAt,
    errorClass: error?.errorClass ?? llm.ErrorClass.UNSPECIFIED,
    errorMessage: error ? safeMessage(error.message) : "",
    consecutiveFailures: error ? (before?.consecutiveFailures ?? 0) + 1 : 0,
  };
}

/** Logs a deployment's health when it changes (and a first failure), not on every probe. */
function logChange(log: Logger, id: string, before: HealthCheckResult | undefined, result: HealthCheckResult): void {
  const { latencyMs } = result;
  if (!result.healthy && before?.healthy !== false) {
    const fields = { class: llm.ErrorClass[result.errorClass], error: result.errorMessage };
    log.warn({ deployment: id, ...fields, latencyMs }, "health check failed");
  } else if (result.healthy && before?.healthy === false) {
    log.info({ deployment: id, latencyMs }, "health check passed again");
  }
}

const realTimer: SetTimer = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  // Probes never keep the process alive: shutdown is main.ts's decision.
  timer.unref();
  return () => clearTimeout(timer);
};

/** Creates the prober; nothing is sent before `start`. */
export function createHealthChecks(options: HealthChecksOptions): HealthChecks {
  const { intervalMs, probe, log, now = Date.now, random = Math.random, setTimer = realTimer } = options;
  const plans = planProbes(options.deployments, log);
  const results = new Map<string, HealthCheckResult>();
  const timers = new Map<string, () => void>();
  const waiting: ProbePlan[] = [];
  const running = new Set<Promise<void>>();
  const aborter = new AbortController();
  let started = false;
  let stopped = false;

  const jittered = (ms: number) => ms * (1 - JITTER + 2 * JITTER * random());

  const schedule = (plan: ProbePlan, delayMs: number) => {
    if (stopped) return;
    const id = plan.deployment.id;
    timers.set(
      id,
      setTimer(
        () => {
          timers.delete(id);
          waiting.push(plan);
          pump();
        },
        Math.max(0, delayMs),
      ),
    );
  };

  const record = (id: string, startedAt: number, error?: GatewayError) => {
    const before = results.get(id);
    const result = resultOf(startedAt, now(), error, before);
    results.set(id, result);
    healthyGauge.set({ deployment: id }, result.healthy ? 1 : 0);
    logChange(log, id, before, result);
  };

  const runProbe = async (plan: ProbePlan) => {
    const id = plan.deployment.id;
    const startedAt = now();
    let next = jittered(intervalMs);
    try {
      await probe(plan, aborter.signal);
      record(id, startedAt);
    } catch (err) {
      if (stopped) return;
      const error = GatewayError.from(err);
      if (error.detail.code === NO_WORKER_CODE) {
        // No worker took the call, so the deployment was never asked: its last result stands.
        log.debug({ deployment: id }, "health check found no provider worker; trying again soon");
        next = Math.min(next, NO_WORKER_RETRY_MS);
      } else record(id, startedAt, error);
    }
    // The interval runs from this probe's start, so a slow probe does not push the next one back.
    schedule(plan, startedAt + next - now());
  };

  const pump = () => {
    while (!stopped && running.size < MAX_CONCURRENT_PROBES && waiting.length > 0) {
      const plan = waiting.shift() as ProbePlan;
      const run: Promise<void> = runProbe(plan)
        .catch((err: unknown) => log.error({ deployment: plan.deployment.id, err }, "health check crashed"))
        .finally(() => {
          running.delete(run);
          pump();
        });
      running.add(run);
    }
  };

  return {
    start() {
      if (started || stopped) return;
      started = true;
      const spread = Math.min(intervalMs, FIRST_ROUND_SPREAD_MS);
      for (const plan of plans) schedule(plan, random() * spread);
      log.info({ deployments: plans.length, intervalMs }, "background health checks started");
    },
    async stop() {
      if (!stopped) {
        stopped = true;
        for (const cancel of timers.values()) cancel();
        timers.clear();
        waiting.length = 0;
        aborter.abort(new GatewayError({ class: llm.ErrorClass.CANCELLED, message: "health checks stopped" }));
      }
      await Promise.allSettled(running);
    },
    result: (id) => results.get(id),
  };
}

/**
 * The `DeploymentState` fields of a deployment's latest probe, for ListDeployments: `{ healthCheck }`, or nothing
 * while checks are off (`checks` undefined) or the deployment has no result yet.
 */
export function healthCheckFields(
  checks: HealthChecks | undefined,
  deploymentId: string,
): { healthCheck?: router.HealthCheck } {
  const result = checks?.result(deploymentId);
  if (!result) return {};
  return {
    healthCheck: create(router.HealthCheckSchema, {
      healthy: result.healthy,
      checkedAtMs: BigInt(result.checkedAtMs),
      latencyMs: Math.max(0, Math.round(result.latencyMs)),
      errorClass: result.errorClass,
      errorMessage: result.errorMessage,
      consecutiveFailures: result.consecutiveFailures,
    }),
  };
}
