import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { RouterSettings } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { createLogger, GatewayError } from "@switchyard/runtime";
import { breakerOptions, createBreakers, DEFAULT_COOLDOWN_MS } from "./breakers.js";

const log = createLogger("breakers-spec", "silent");
const error = (cls: llm.ErrorClass, retryAfterSeconds?: number) =>
  new GatewayError({ class: cls, message: llm.ErrorClass[cls], ...(retryAfterSeconds ? { retryAfterSeconds } : {}) });
const options = { errorThresholdPercentage: 50, volumeThreshold: 2, windowMs: 10_000, resetTimeoutMs: 100 };

describe("circuit breakers", () => {
  it("takes its thresholds from circuit_breaker, else from allowed_fails and cooldown_time, else defaults", () => {
    const base = { routingStrategy: "simple-shuffle", numRetries: 0, timeoutMs: 1 } as RouterSettings;
    assert.deepEqual(breakerOptions(base), {
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      windowMs: 30_000,
      resetTimeoutMs: 30_000,
    });
    assert.deepEqual(breakerOptions({ ...base, allowedFails: 3, cooldownTimeSeconds: 10 }), {
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
      windowMs: 30_000,
      resetTimeoutMs: 10_000,
    });
    const own = { errorThresholdPercentage: 20, volumeThreshold: 50, windowMs: 60_000, resetTimeoutMs: 2_000 };
    assert.deepEqual(breakerOptions({ ...base, allowedFails: 3, cooldownTimeSeconds: 10, circuitBreaker: own }), own);
  });

  it("puts a deployment in a cooldown for its Retry-After on a 429, without counting it as a failure", async () => {
    let t = 1_000_000;
    const breakers = createBreakers(options, log, () => t);
    for (let i = 0; i < 5; i++) {
      await assert.rejects(breakers.fire("d", () => Promise.reject(error(llm.ErrorClass.RATE_LIMITED, 2))));
    }
    assert.equal(breakers.states()["d"], "closed", "429s do not open the breaker");
    assert.equal(breakers.isOpen("d"), true, "but the deployment cools down");
    assert.equal(breakers.cooldownUntil("d"), t + 2_000);
    t += 2_001;
    assert.equal(breakers.isOpen("d"), false);
    await assert.rejects(breakers.fire("e", () => Promise.reject(error(llm.ErrorClass.RATE_LIMITED))));
    assert.equal(breakers.cooldownUntil("e"), t + DEFAULT_COOLDOWN_MS, "no Retry-After: the default cooldown");
    breakers.shutdown();
  });

  it("opens after its threshold, calls nothing while open, lets exactly one probe through half-open", async () => {
    const breakers = createBreakers(options, log);
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(error(llm.ErrorClass.UNAVAILABLE));
    };
    await assert.rejects(breakers.fire("d", failing));
    await assert.rejects(breakers.fire("d", failing));
    assert.equal(breakers.states()["d"], "open");
    for (let i = 0; i < 10; i++) await assert.rejects(breakers.fire("d", failing));
    assert.equal(calls, 2, "no upstream call while open");

    await sleep(150);
    assert.equal(breakers.states()["d"], "half-open");
    let release: (() => void) | undefined;
    const probe = breakers.fire("d", () => {
      calls++;
      return new Promise<string>((resolve) => {
        release = () => resolve("ok");
      });
    });
    await assert.rejects(
      breakers.fire("d", () => {
        calls++;
        return Promise.resolve("second");
      }),
      "a second call during the probe is refused",
    );
    release?.();
    assert.equal(await probe, "ok");
    assert.equal(calls, 3, "exactly one probe reached the upstream");
    assert.equal(breakers.states()["d"], "closed");
    // The failures that opened it are forgotten: one new failure does not open it again.
    await assert.rejects(breakers.fire("d", failing));
    assert.equal(breakers.states()["d"] ?? "closed", "closed");
    await assert.rejects(breakers.fire("d", failing));
    assert.equal(breakers.states()["d"], "open", "a full threshold of new failures does");
    breakers.shutdown();
  });

  it("does not close on a 4xx during half-open: the breaker opens again", async () => {
    const breakers = createBreakers(options, log);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(breakers.fire("d", () => Promise.reject(error(llm.ErrorClass.UNAVAILABLE))));
    }
    await sleep(150);
    assert.equal(breakers.states()["d"], "half-open");
    await assert.rejects(breakers.fire("d", () => Promise.reject(error(llm.ErrorClass.INVALID_REQUEST))));
    assert.equal(breakers.states()["d"], "open");
    // While closed, a 4xx says nothing about the deployment.
    await sleep(150);
    assert.equal(await breakers.fire("d", () => Promise.resolve("ok")), "ok");
    for (let i = 0; i < 5; i++) {
      await assert.rejects(breakers.fire("d", () => Promise.reject(error(llm.ErrorClass.INVALID_REQUEST))));
    }
    assert.equal(breakers.states()["d"], "closed");
    breakers.shutdown();
  });
});
