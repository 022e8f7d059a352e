// `general_settings.allow_requests_on_db_unavailable`: what the ingress does when the policy service (or the NATS
// behind it) cannot be reached. Closed (the default) answers 503. Open serves what it still can: a credential whose
// allow decision is cached (even past its TTL, up to STALE_DECISION_MS) is accepted, and limits are not enforced;
// an unknown credential still gets 503, so failing open never lets in a key the gateway has not seen. Every request
// served that way is counted, and logged at most once every 10 s.

import { Counter, createThrottle, GatewayError, type Logger, metricsRegistry } from "@switchyard/runtime";

/** How long past its TTL a cached allow decision may still be used while the policy is unreachable. */
export const STALE_DECISION_MS = 15 * 60_000;

const failOpenTotal = new Counter({
  name: "switchyard_policy_fail_open_total",
  help: "Requests served while the policy service or its ledger was unreachable (allow_requests_on_db_unavailable).",
  labelNames: ["what"],
  registers: [metricsRegistry()],
});

/** Counts and (rate-limited) logs one request served open. */
export type FailOpen = (what: "authorize" | "limits", err: unknown) => void;

/** Creates the reporter for requests served open. */
export function createFailOpen(log: Logger): FailOpen {
  const throttle = createThrottle();
  return (what, err) => {
    failOpenTotal.inc({ what });
    const due = throttle(what);
    if (due.log) {
      log.error(
        { what, err: GatewayError.from(err).message, since: due.skipped },
        "policy unreachable: serving without it (allow_requests_on_db_unavailable)",
      );
    }
  };
}
