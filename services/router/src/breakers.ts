import type { RouterSettings } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { GatewayError, Gauge, type Logger, metricsRegistry } from "@switchyard/runtime";
import CircuitBreaker from "opossum";
import { NO_WORKER_CODE } from "./failover.js";

/** Cooldown after a 429 that said nothing about when to come back. */
export const DEFAULT_COOLDOWN_MS = 5_000;
/** The longest cooldown a Retry-After can ask for. */
export const MAX_COOLDOWN_MS = 300_000;

const breakerState = new Gauge({
  name: "switchyard_router_breaker_state",
  help: "Circuit breaker of each deployment: 0 closed, 1 half-open, 2 open.",
  labelNames: ["deployment"],
  registers: [metricsRegistry()],
});
const cooldownSeconds = new Gauge({
  name: "switchyard_router_cooldown_seconds",
  help: "Seconds a deployment still cools down after a 429 (0 when it does not).",
  labelNames: ["deployment"],
  registers: [metricsRegistry()],
});

/** Breaker options, explicit rather than opossum's defaults (which open on a single failure). */
export interface BreakerOptions {
  /** Failure percentage within the window that opens the breaker. */
  errorThresholdPercentage: number;
  /** Calls within the window before the breaker may open at all. */
  volumeThreshold: number;
  /** Length of the rolling window. */
  windowMs: number;
  /** Time an open breaker waits before letting a probe through. */
  resetTimeoutMs: number;
}

/** Defaults: open at >50% failures over at least 5 calls in 30 s, probe again after 30 s. */
export function breakerOptions(settings: RouterSettings): BreakerOptions {
  const own = settings.circuitBreaker ?? {};
  return {
    errorThresholdPercentage: own.errorThresholdPercentage ?? 50,
    volumeThreshold: own.volumeThreshold ?? settings.allowedFails ?? 5,
    windowMs: own.windowMs ?? 30_000,
    resetTimeoutMs: own.resetTimeoutMs ?? (settings.cooldownTimeSeconds ?? 30) * 1000,
  };
}

type Action = () => Promise<unknown>;

/** One opossum circuit breaker per deployment. */
export interface Breakers {
  /** Runs `action` through the deployment's breaker; rejects at once while it is open. */
  fire<T>(deploymentId: string, action: () => Promise<T>): Promise<T>;
  /** True while calls would be refused: the breaker is open (not half-open), or the deployment cools down. */
  isOpen(deploymentId: string): boolean;
  /** The state of every breaker, for diagnostics. */
  states(): Record<string, "closed" | "open" | "half-open">;
  /** Unix ms until which the deployment cools down after a 429; 0 when it does not. */
  cooldownUntil(deploymentId: string): number;
  shutdown(): void;
}

/** Failures that say nothing about the deployment (the request's own deadline cut the attempt short). */
const blameless = new WeakSet<object>();

/** Marks `err` as not the deployment's fault: the breakers do not count it. Returns `err`. */
export function notTheDeployment<E>(err: E): E {
  if (typeof err === "object" && err !== null) blameless.add(err);
  return err;
}

/**
 * Creates the breakers. Only 5xx, timeouts and connection errors count against a deployment: a client's 4xx says
 * nothing about its health, and a 429 puts it in a cooldown for the upstream's Retry-After (5 s without one, 300 s at
 * most) instead. While half-open, exactly one probe goes through; only its success closes the breaker, and any
 * failure — a 4xx or 429 included — opens it again for another `resetTimeout`. Deadlines are enforced by the router
 * itself, so opossum's own timeout is off.
 */
export function createBreakers(options: BreakerOptions, log: Logger, now: () => number = Date.now): Breakers {
  const breakers = new Map<string, CircuitBreaker<[Action], unknown>>();
  const cooldowns = new Map<string, number>();
  const cooling = (id: string) => {
    const until = cooldowns.get(id) ?? 0;
    if (until > now()) return until;
    if (until !== 0) {
      cooldowns.delete(id);
      cooldownSeconds.set({ deployment: id }, 0);
    }
    return 0;
  };
  const get = (id: string) => breakers.get(id) ?? create(id);
  const create = (id: string): CircuitBreaker<[Action], unknown> => {
    const breaker = new CircuitBreaker((action: Action) => action(), {
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      rollingCountTimeout: options.windowMs,
      rollingCountBuckets: 10,
      resetTimeout: options.resetTimeoutMs,
      allowWarmUp: false,
      // Filtered errors count as successes, which would close a half-open breaker: during the probe, nothing is.
      errorFilter: (err: unknown) => {
        if (breakers.get(id)?.halfOpen) return false;
        if (typeof err === "object" && err !== null && blameless.has(err)) return true;
        const error = GatewayError.from(err);
        // No worker took the call: the deployment was never asked.
        if (error.detail.code === NO_WORKER_CODE) return true;
        return !error.retryable || error.errorClass === llm.ErrorClass.RATE_LIMITED;
      },
    });
    breaker.on("open", () => {
      breakerState.set({ deployment: id }, 2);
      log.warn({ deployment: id }, "circuit breaker opened");
    });
    breaker.on("halfOpen", () => {
      breakerState.set({ deployment: id }, 1);
      log.info({ deployment: id }, "circuit breaker half-open");
    });
    breaker.on("close", () => {
      breakerState.set({ deployment: id }, 0);
      log.info({ deployment: id }, "circuit breaker closed");
      // opossum keeps the failures that opened it in its window, so one more failure would open it again at once.
      // A closed breaker starts from an empty window: a fresh one takes its place.
      if (breakers.get(id) === breaker) create(id);
      setImmediate(() => breaker.shutdown());
    });
    breakerState.set({ deployment: id }, 0);
    breakers.set(id, breaker);
    return breaker;
  };
  return {
    async fire<T>(id: string, action: () => Promise<T>) {
      try {
        return (await get(id).fire(action)) as T;
      } catch (err) {
        const error = err instanceof Error && "code" in err ? undefined : GatewayError.from(err);
        if (error?.errorClass === llm.ErrorClass.RATE_LIMITED) {
          const asked = error.detail.retryAfterSeconds;
          const ms = asked === undefined ? DEFAULT_COOLDOWN_MS : Math.min(MAX_COOLDOWN_MS, Math.max(0, asked * 1000));
          cooldowns.set(id, now() + ms);
          cooldownSeconds.set({ deployment: id }, ms / 1000);
          log.info({ deployment: id, cooldownMs: ms }, "deployment cooling down after a 429");
        }
        throw err;
      }
    },
    isOpen(id) {
      const breaker = breakers.get(id);
      return (breaker?.opened === true && !breaker.halfOpen) || cooling(id) > 0;
    },
    cooldownUntil: (id) => cooling(id),
    states() {
      const out: Record<string, "closed" | "open" | "half-open"> = {};
      for (const [id, b] of breakers) out[id] = b.halfOpen ? "half-open" : b.opened ? "open" : "closed";
      return out;
    },
    shutdown() {
      for (const b of breakers.values()) b.shutdown();
    },
  };
}
