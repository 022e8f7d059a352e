import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { type Host, startHost } from "./host.js";
import { Counter, createMetricsRegistry } from "./metrics.js";

async function get(host: Host, path: string, method = "GET"): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://127.0.0.1:${host.httpPort}${path}`, { method });
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() };
}

async function stop(host: Host): Promise<void> {
  host.grpcServer.forceShutdown();
  host.httpServer.closeAllConnections();
  await new Promise((resolve) => host.httpServer.close(resolve));
}

describe("GET /metrics on the host", () => {
  let host: Host;
  let plain: Host;
  before(async () => {
    const registry = createMetricsRegistry("spec-service");
    const requests = new Counter({ name: "switchyard_spec_requests_total", help: "Requests.", registers: [registry] });
    requests.inc(3);
    const fallback = { http: (_req: unknown, res: ServerResponse) => res.end("fallback") };
    const addresses = { grpcAddress: "127.0.0.1:0", httpAddress: "127.0.0.1:0", serviceNames: [] };
    host = await startHost({ ...addresses, ...fallback, metrics: registry });
    plain = await startHost({ ...addresses, ...fallback, metrics: false });
  });
  after(async () => {
    await stop(host);
    await stop(plain);
  });

  it("serves the registry in the text format, process metrics and the service label included", async () => {
    const res = await get(host, "/metrics");
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/plain; version=0\.0\.4/);
    assert.match(res.body, /^switchyard_spec_requests_total\{service="spec-service"\} 3$/m);
    assert.match(res.body, /^# TYPE switchyard_process_cpu_user_seconds_total counter$/m);
    assert.match(res.body, /^switchyard_nodejs_heap_size_used_bytes\{service="spec-service"\} \d+/m);
  });

  it("refuses other methods, and leaves the probes and the fallback handler as they were", async () => {
    assert.equal((await get(host, "/metrics", "POST")).status, 405);
    assert.deepEqual(await get(host, "/healthz"), { status: 200, type: "application/json", body: '{"status":"ok"}' });
    assert.equal((await get(host, "/readyz")).status, 503);
    assert.deepEqual(await get(host, "/health/liveliness"), {
      status: 200,
      type: "application/json",
      body: '"I\'m alive!"',
    });
    assert.equal((await get(host, "/health/liveness")).status, 200);
    assert.deepEqual(await get(host, "/health/readiness"), {
      status: 503,
      type: "application/json",
      body: '{"status":"unhealthy"}',
    });
    assert.equal((await get(host, "/v1/models")).body, "fallback");
  });

  it("hands /metrics to the fallback handler when metrics are off", async () => {
    assert.equal((await get(plain, "/metrics")).body, "fallback");
  });

  it("serves /metrics on a separate address, and nothing else there, while the public port serves none", async () => {
    const addresses = { grpcAddress: "127.0.0.1:0", httpAddress: "127.0.0.1:0", serviceNames: [] };
    const split = await startHost({
      ...addresses,
      http: (_req, res) => res.end("public"),
      metrics: false,
      metricsAddress: "127.0.0.1:0",
    });
    try {
      const port = split.metricsPort as number;
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /switchyard_process_cpu_user_seconds_total/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 404);
      assert.equal((await get(split, "/metrics")).body, "public");
    } finally {
      await stop(split);
      split.metricsServer?.closeAllConnections();
      await new Promise((resolve) => split.metricsServer?.close(resolve));
    }
  });
});
