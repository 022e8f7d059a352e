import assert from "node:assert/strict";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Agent } from "undici";
import { requestWhole } from "./buffered.js";

describe("requestWhole", () => {
  let server: Server;
  let base: string;
  const hanging: ServerResponse[] = [];
  const seen: string[] = [];
  // One connection per origin, so a second request waits for the first.
  const dispatcher = new Agent({ connections: 1 });
  const limits = { success: 1024, error: 16 };

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? "");
      req.resume();
      const path = (req.url ?? "").split("?", 1)[0];
      if (path === "/hang") return void hanging.push(res);
      if (path === "/big") return void res.writeHead(200).end(Buffer.alloc(4096, 0x61));
      if (path === "/error") return void res.writeHead(500).end("0123456789abcdefghijklmnop");
      if (path === "/hints") res.writeEarlyHints({ link: "</x>; rel=preload" });
      res.writeHead(200, { "x-answer": "yes" }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const res of hanging) res.destroy();
    await dispatcher.close();
    server.closeAllConnections();
    server.close();
  });

  const post = (path: string, signal = new AbortController().signal) =>
    requestWhole(dispatcher, { url: `${base}${path}?key=q`, headers: {}, body: "{}", signal }, limits);

  it("answers the status, headers and whole body, query included in the path, past informational responses", async () => {
    const answer = await post("/hints");
    assert.equal(answer.status, 200);
    assert.equal(answer.headers["x-answer"], "yes");
    assert.equal(answer.body.toString(), '{"ok":true}');
    assert.equal(answer.truncated, false);
    assert.equal(seen.at(-1), "/hints?key=q");
  });

  it("cuts a 2xx body and an error body at their own limits", async () => {
    const big = await post("/big");
    assert.equal(big.truncated, true);
    assert.equal(big.body.length, 1024);
    const error = await post("/error");
    assert.equal(error.status, 500);
    assert.equal(error.truncated, true);
    assert.equal(error.body.toString(), "0123456789abcdef");
    assert.equal((await post("/ok")).status, 200, "the dispatcher stays usable");
  });

  it("rejects with the signal's reason at once, even while the request waits for the only connection", async () => {
    const first = new AbortController();
    const hung = post("/hang", first.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const queued = new AbortController();
    const waiting = post("/queued", queued.signal);
    const reason = new Error("caller went away");
    queued.abort(reason);
    await assert.rejects(waiting, (err) => err === reason);
    first.abort(new Error("done"));
    await assert.rejects(hung, /done/);
    assert.equal((await post("/after")).status, 200);
    assert.ok(!seen.includes("/queued?key=q"), "the aborted request was never sent");
    await assert.rejects(post("/never", AbortSignal.abort(reason)), (err) => err === reason);
  });

  it("rejects with undici's error when the upstream cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      requestWhole(
        dispatcher,
        { url: `http://127.0.0.1:${port}/x`, headers: {}, body: "{}", signal: new AbortController().signal },
        limits,
      ),
      (err: NodeJS.ErrnoException) => err.code === "ECONNREFUSED",
    );
  });
});
