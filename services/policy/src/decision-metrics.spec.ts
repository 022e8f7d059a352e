import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { createMetricsRegistry } from "@switchyard/runtime";
import { countDecisions } from "./decision-metrics.js";

const answer = (decision: policy.Decision) => create(policy.AuthorizeResponseSchema, { decision });
const request = create(policy.AuthorizeRequestSchema, { credential: "sk-never-a-label", model: "m" });

describe("switchyard_policy_decisions_total", () => {
  it("counts decisions by outcome, sync and async, and failures as error", async () => {
    const registry = createMetricsRegistry();
    const script: (() => policy.AuthorizeResponse | Promise<policy.AuthorizeResponse>)[] = [
      () => answer(policy.Decision.ALLOW),
      async () => answer(policy.Decision.ALLOW),
      () => answer(policy.Decision.DENY_UNAUTHENTICATED),
      async () => answer(policy.Decision.DENY_FORBIDDEN),
      () => {
        throw new Error("nats down");
      },
      () => Promise.reject(new Error("jwks down")),
    ];
    const counted = countDecisions({ authorize: () => (script.shift() as () => policy.AuthorizeResponse)() }, registry);
    for (let i = 0; i < 6; i++) {
      try {
        await counted.authorize(request);
      } catch {
        // counted as error
      }
    }
    const text = await registry.metrics();
    const count = (decision: string) =>
      Number(
        text
          .split("\n")
          .find((l) => l.startsWith(`switchyard_policy_decisions_total{decision="${decision}"}`))
          ?.split(" ")
          .pop(),
      );
    assert.equal(count("allow"), 2);
    assert.equal(count("deny_unauthenticated"), 1);
    assert.equal(count("deny_forbidden"), 1);
    assert.equal(count("error"), 2);
    assert.equal(text.includes("sk-never-a-label"), false);
  });
});
