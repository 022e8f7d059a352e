// A request that outlives its admission: the ledger frees the parallel slot of an admission it hears nothing about
// for its lifetime (an ingress that died), so the ingress renews the admissions of requests still running. With a
// 4-second lifetime, a 9-second stream must keep its key's only parallel slot to the end, and free it then.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type LimitsGateway, LONG, post, startLimitsGateway } from "./limits-setup.js";
import { MASTER_KEY } from "./setup.js";

describe("a stream longer than its admission's lifetime", () => {
  let gw: LimitsGateway;
  let url: string;

  before(async () => {
    gw = await startLimitsGateway({ replicas: 1, admissionTtlMs: 4_000 });
    url = gw.mesh.restUrl;
  });
  after(() => gw?.stop());

  it("keeps its parallel slot until it ends, then frees it", async () => {
    const created = await post(url, "/key/generate", MASTER_KEY, { max_parallel_requests: 1 });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const key = created.json["key"] as string;
    const started = Date.now();
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: LONG, messages: [{ role: "user", content: "take your time" }], stream: true }),
    });
    assert.equal(res.status, 200);
    const body = res.text();

    // Past the 4 s lifetime, twice over: the renewed admission still holds the slot.
    for (const at of [5_000, 7_500]) {
      await new Promise((resolve) => setTimeout(resolve, started + at - Date.now()));
      const second = await post(url, "/v1/chat/completions", key, {
        model: LONG,
        messages: [{ role: "user", content: "x" }],
      });
      assert.equal(second.status, 429, `at ${at} ms: ${JSON.stringify(second.json)}`);
      assert.match(String(second.json.error?.message), /max_parallel_requests 1 reached/);
    }

    const text = await body;
    assert.ok(Date.now() - started > 8_000, "the stream ran past two lifetimes");
    assert.match(text, /data: \[DONE\]/);
    // Settled: the slot is free at once, not after an expiry.
    const next = await post(url, "/v1/chat/completions", key, {
      model: LONG,
      messages: [{ role: "user", content: "x" }],
      stream: false,
    });
    assert.equal(next.status, 200, JSON.stringify(next.json));
  });
});
