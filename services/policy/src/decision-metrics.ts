// `switchyard_policy_decisions_total`: every Authorize answer by outcome. The ingress caches allow decisions, so this
// counts cache misses and denials, not requests; a rise of `deny_unauthenticated` is someone trying keys.

import { policy } from "@switchyard/proto";
import { Counter, type Registry } from "@switchyard/runtime";
import type { AuthorizeHandler } from "./authorizer.js";

/** The outcome label of a decision: `allow`, `deny_unauthenticated`, `deny_forbidden`, or `error` (it threw). */
export function decisionLabel(decision: policy.Decision): string {
  return (policy.Decision[decision] ?? "unspecified").toLowerCase();
}

/** Wraps an authorize handler so each decision is counted on `registry` by outcome. */
export function countDecisions(inner: AuthorizeHandler, registry: Registry): AuthorizeHandler {
  const decisions = new Counter({
    name: "switchyard_policy_decisions_total",
    help: "Authorize decisions by outcome (allow, deny_unauthenticated, deny_forbidden, error).",
    labelNames: ["decision"],
    registers: [registry],
  });
  const count = (res: policy.AuthorizeResponse) => {
    decisions.inc({ decision: decisionLabel(res.decision) });
    return res;
  };
  return {
    authorize(request) {
      let answer: policy.AuthorizeResponse | Promise<policy.AuthorizeResponse>;
      try {
        answer = inner.authorize(request);
      } catch (err) {
        decisions.inc({ decision: "error" });
        throw err;
      }
      if (!(answer instanceof Promise)) return count(answer);
      return answer.then(count, (err: unknown) => {
        decisions.inc({ decision: "error" });
        throw err;
      });
    },
  };
}
