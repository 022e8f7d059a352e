import type { RouterSettings } from "@switchyard/config";
import { GatewayError, type Logger } from "@switchyard/runtime";
import CircuitBreaker from "opossum";

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
  return {
    errorThresholdPercentage: 50,
    volumeThreshold: settings.allowedFails ?? 5,
    windowMs: 30_000,
    resetTimeoutMs: (settings.cooldownTimeSeconds ?? 30) * 1000,
  };
}

type Action = () => Promise<unknown>;

/** One opossum circuit breaker per deployment. */
export interface Breakers {
  /** Runs `action` through the deployment's breaker; rejects at once while it is open. */
  fire<T>(deploymentId: string, action: () => Promise<T>): Promise<T>;
  /** True while the deployment's breaker is open (not half-open): calls would be refused. */
  isOpen(deploymentId: string): boolean;
  /** The state of every breaker, for diagnostics. */
  states(): Record<string, "closed" | "open" | "half-open">;
  shutdown(): void;
}

/**
 * Creates the breakers. Only retryable failures (5xx, timeouts, connection errors) count against a
 * deployment: a client's 4xx says nothing about the deployment's health. Deadlines are enforced by the
 * router itself, so opossum's own timeout is off.
 */
export function createBreakers(options: BreakerOptions, log: Logger): Breakers {
  const breakers = new Map<string, CircuitBreaker<[Action], unknown>>();
  const get = (id: string) => {
    let breaker = breakers.get(id);
    if (!breaker) {
      breaker = new CircuitBreaker((action: Action) => action(), {
        timeout: false,
        errorThresholdPercentage: options.errorThresholdPercentage,
        volumeThreshold: options.volumeThreshold,
        rollingCountTimeout: options.windowMs,
        rollingCountBuckets: 10,
        resetTimeout: options.resetTimeoutMs,
        allowWarmUp: false,
        errorFilter: (err: unknown) => !GatewayError.from(err).retryable,
      });
      breaker.on("open", () => log.warn({ deployment: id }, "circuit breaker opened"));
      breaker.on("halfOpen", () => log.info({ deployment: id }, "circuit breaker half-open"));
      breaker.on("close", () => log.info({ deployment: id }, "circuit breaker closed"));
      breakers.set(id, breaker);
    }
    return breaker;
  };
  return {
    fire<T>(id: string, action: () => Promise<T>) {
      return get(id).fire(action) as Promise<T>;
    },
    isOpen(id) {
      const breaker = breakers.get(id);
      return breaker?.opened === true && !breaker.halfOpen;
    },
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
