// LiteLLM's `GET /health` and Switchyard's `GET /health/deployments`, rendered from what the answering router replica
// knows (RouterService.ListDeployments). Neither calls an upstream: with `general_settings.background_health_checks`
// the router has probed each deployment in the background (services/router/src/health-checks.ts); without it, health
// is judged from the breakers and cooldowns that real traffic drives. No key, URL or api_base is ever shown.

import { llm, router } from "@switchyard/proto";

/** Breaker states as the admin endpoints spell them. */
export const BREAKER_NAMES: Readonly<Record<number, string>> = {
  [router.BreakerState.CLOSED]: "closed",
  [router.BreakerState.OPEN]: "open",
  [router.BreakerState.HALF_OPEN]: "half-open",
};

function iso(ms: bigint): string | null {
  return ms > 0n ? new Date(Number(ms)).toISOString() : null;
}

/** An error class as the admin endpoints spell it: `unavailable`, `timeout`, `auth` ... */
function className(cls: llm.ErrorClass): string {
  return (llm.ErrorClass[cls] ?? "unspecified").toLowerCase();
}

/** A deployment's latest background health check, as `/health/deployments` shows it. */
export function renderHealthCheck(check: router.HealthCheck): object {
  return {
    healthy: check.healthy,
    checked_at: iso(check.checkedAtMs),
    latency_ms: check.latencyMs,
    error_class: check.healthy ? null : className(check.errorClass),
    error: check.healthy ? null : check.errorMessage,
    consecutive_failures: check.consecutiveFailures,
  };
}

/** Why a deployment is unhealthy, or undefined when it is not. */
function problem(d: router.DeploymentState, nowMs: number): object | undefined {
  const check = d.healthCheck;
  if (check && !check.healthy) {
    return {
      error: check.errorMessage || `health check failed (${className(check.errorClass)})`,
      error_class: className(check.errorClass),
      consecutive_failures: check.consecutiveFailures,
    };
  }
  if (d.breaker === router.BreakerState.OPEN || d.breaker === router.BreakerState.HALF_OPEN) {
    return { error: `circuit breaker ${BREAKER_NAMES[d.breaker]}` };
  }
  if (d.cooldownUntilMs > BigInt(nowMs)) return { error: "cooling down after a 429" };
  return undefined;
}

/**
 * LiteLLM's `GET /health` shape: `healthy_endpoints`, `unhealthy_endpoints` and their counts, each endpoint named by
 * deployment id, model group and provider (never its api_base). A deployment is unhealthy when its latest background
 * probe failed, or, as without background checks, while its breaker is open or half-open or it cools down after a
 * 429. A probed deployment also says when it was checked and how long the probe took.
 */
export function renderHealth(deployments: readonly router.DeploymentState[], nowMs = Date.now()): object {
  const healthy: object[] = [];
  const unhealthy: object[] = [];
  for (const d of deployments) {
    const check = d.healthCheck;
    const entry = {
      id: d.id,
      model: d.modelGroup,
      provider: d.provider,
      ...(check && { last_checked_at: iso(check.checkedAtMs), latency_ms: check.latencyMs }),
    };
    const why = problem(d, nowMs);
    if (why) unhealthy.push({ ...entry, ...why });
    else healthy.push(entry);
  }
  return {
    healthy_endpoints: healthy,
    unhealthy_endpoints: unhealthy,
    healthy_count: healthy.length,
    unhealthy_count: unhealthy.length,
  };
}
