import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type Gateway, MASTER_KEY, startGateway } from "./setup.js";

let gw: Gateway;

before(async () => {
  gw = await startGateway();
});
after(() => gw?.stop());

function slowStream(): Promise<string> {
  return fetch(`${gw.mesh.restUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-slow", stream: true, messages: [{ role: "user", content: "take your time" }] }),
  }).then((res) => res.text());
}

describe("SIGTERM drains every service", () => {
  it("lets a provider-worker finish its streams before it exits", async () => {
    const stream = slowStream();
    await sleep(250);
    const code = await gw.mesh.kill("provider-worker", 0, "SIGTERM");
    assert.equal(code, 0);
    const text = await stream;
    assert.ok(text.endsWith("data: [DONE]\n\n"), text.slice(-200));
    await gw.mesh.restart("provider-worker", 0);
  });

  it("lets the ingress finish in-flight streams and refuses new requests", async () => {
    const streams = [slowStream(), slowStream()];
    await sleep(250);
    const exit = gw.mesh.kill("ingress", 0, "SIGTERM");
    await sleep(100);
    await assert.rejects(
      fetch(`${gw.mesh.restUrl}/v1/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } }).then(
        async (res) => {
          // A request that reaches a draining ingress on a kept-alive connection gets 503.
          if (res.status === 503) throw new Error("refused while draining");
          return res.text();
        },
      ),
    );
    for (const text of await Promise.all(streams)) assert.ok(text.endsWith("data: [DONE]\n\n"), text.slice(-200));
    assert.equal(await exit, 0);
  });
});
