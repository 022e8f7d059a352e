import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { freePort, freePorts, isPortFree } from "./ports.js";

describe("freePort", () => {
  it("returns a port that can be bound", async () => {
    const port = await freePort();
    assert.ok(Number.isInteger(port) && port > 0 && port < 65536);
    assert.equal(await isPortFree(port), true);
  });

  it("returns distinct ports and skips excluded ones", async () => {
    const first = await freePort();
    const ports = await freePorts(8, "127.0.0.1", [first]);
    assert.equal(ports.length, 8);
    assert.equal(new Set(ports).size, 8);
    assert.ok(!ports.includes(first));
  });
});

describe("isPortFree", () => {
  it("is false while another socket listens on the port", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    assert.ok(address !== null && typeof address !== "string");
    try {
      assert.equal(await isPortFree(address.port), false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal(await isPortFree(address.port), true);
  });
});
