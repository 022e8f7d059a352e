import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_LIMITS, readUsagePublisherEnv, resolveLimits } from "./options.js";

describe("publisher settings", () => {
  it("reads the environment, defaults filled in and blanks ignored", () => {
    const env = {
      SWITCHYARD_NATS_URL: "nats://a:4222, nats://b:4222",
      SWITCHYARD_USAGE_SPOOL_DIR: "/var/spool/usage",
      SWITCHYARD_USAGE_MAX_PENDING: "5000",
      SWITCHYARD_USAGE_MAX_IN_FLIGHT: "",
    };
    assert.deepEqual(readUsagePublisherEnv(env), {
      servers: ["nats://a:4222", "nats://b:4222"],
      auth: {},
      spoolDir: "/var/spool/usage",
      maxPendingEvents: 5000,
      maxPendingBytes: DEFAULT_LIMITS.maxPendingBytes,
      maxSpoolBytes: DEFAULT_LIMITS.maxSpoolBytes,
      maxInFlight: DEFAULT_LIMITS.maxInFlight,
    });
    assert.equal(readUsagePublisherEnv({ SWITCHYARD_NATS_URL: "nats://a:4222" }).spoolDir, undefined);
  });

  it("fails naming the variable at fault", () => {
    assert.throws(() => readUsagePublisherEnv({}), /SWITCHYARD_NATS_URL is required/);
    const env = { SWITCHYARD_NATS_URL: "nats://a:4222", SWITCHYARD_USAGE_MAX_PENDING: "lots" };
    assert.throws(() => readUsagePublisherEnv(env), /SWITCHYARD_USAGE_MAX_PENDING: expected an integer/);
  });

  it("keeps the defaults of limits left undefined", () => {
    const limits = resolveLimits({ maxInFlight: 8, ackTimeoutMs: undefined });
    assert.equal(limits.maxInFlight, 8);
    assert.equal(limits.ackTimeoutMs, DEFAULT_LIMITS.ackTimeoutMs);
  });
});
