import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createLogger, createMetricsRegistry } from "@switchyard/runtime";
import { noteCaller, observeRest } from "./access.js";
import type { Principal } from "./auth.js";
import { ingressMetrics } from "./request-metrics.js";

const principal: Principal = {
  keyId: "kid-1",
  keyAlias: "search-service",
  teamId: "",
  userId: "",
  isAdmin: false,
  limited: false,
  endUserLimits: false,
};

describe("the REST access log", () => {
  const lines: Record<string, unknown>[] = [];
  const metrics = ingressMetrics(createMetricsRegistry());
  let server: Server;
  let url = "";
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    noteCaller(res, principal, "gpt");
    if (req.url === "/slow") return void setTimeout(() => res.end(), 5_000).unref();
    res
      .writeHead(200, { "x-request-id": "req-42", "x-switchyard-deployment": "gpt/0", "content-type": "text/plain" })
      .end("ok");
  };

  before(async () => {
    const log = createLogger("ingress", "info", { write: (line: string) => void lines.push(JSON.parse(line)) });
    server = createServer(observeRest(handler, { log, metrics }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const lineOf = async (path: string) => {
    for (let i = 0; i < 100; i++) {
      const line = lines.find((l) => l.path === path);
      if (line) return line;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail(`no access line for ${path}`);
  };

  it("writes one info line per request with its ids, caller, model, deployment, status and latency", async () => {
    const res = await fetch(`${url}/v1/chat/completions?api_key=sk-in-the-query`, {
      method: "POST",
      headers: { authorization: "Bearer sk-secret-key", traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01` },
      body: "{}",
    });
    assert.equal(await res.text(), "ok");
    const line = await lineOf("/v1/chat/completions");
    assert.equal(line.level, "info");
    assert.equal(line.msg, "request");
    assert.equal(line.requestId, "req-42");
    assert.equal(line.traceId, "a".repeat(32), "the client's trace id while tracing is off");
    assert.equal(line.method, "POST");
    assert.equal(line.status, 200);
    assert.equal(line.model, "gpt");
    assert.equal(line.keyAlias, "search-service");
    assert.equal(line.keyId, "kid-1");
    assert.equal(line.deployment, "gpt/0");
    assert.equal(typeof line.latencyMs, "number");
    assert.equal(JSON.stringify(lines).includes("sk-"), false, "neither the header nor the query is logged");
    assert.equal((await metrics.inFlight.get()).values[0]?.value, 0);
  });

  it("logs a request the client gave up on as 499 and aborted", async () => {
    const controller = new AbortController();
    const pending = fetch(`${url}/slow`, { signal: controller.signal }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    await pending;
    const line = await lineOf("/slow");
    assert.equal(line.status, 499);
    assert.equal(line.aborted, true);
  });
});
