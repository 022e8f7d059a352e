import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createThrottle } from "./throttle.js";

describe("throttle", () => {
  it("lets one event per kind and interval through, counting the skipped ones", () => {
    let t = 0;
    const throttle = createThrottle(10_000, () => t);
    assert.deepEqual(throttle("a"), { log: true, skipped: 0 });
    assert.deepEqual(throttle("a"), { log: false });
    assert.deepEqual(throttle("b"), { log: true, skipped: 0 }, "kinds are independent");
    t = 9_999;
    assert.deepEqual(throttle("a"), { log: false });
    t = 10_000;
    assert.deepEqual(throttle("a"), { log: true, skipped: 2 });
  });
});
