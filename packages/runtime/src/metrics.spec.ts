import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { type Host, startHost } from "./host.js";
import { Counter, createMetricsRegistry, EVENT_LOOP_SAMPLE_MS } from "./metrics.js";

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

describe("event-loop delay metrics", () => {
  it("report the delay past the sampling interval under prom-client's names", async () => {
    const registry = createMetricsRegistry("loop-spec");
    await new Promise((resolve) => setTimeout(resolve, 5 * EVENT_LOOP_SAMPLE_MS));
    const values = new Map<string, number>();
    for (const metric of await registry.getMetricsAsJSON()) {
      if (metric.name.startsWith("switchyard_nodejs_eventloop_lag")) {
        values.set(metric.name, Number(metric.values[0]?.value ?? Number.NaN));
      }
    }
    const names = ["", "_min", "_max", "_mean", "_stddev", "_p50", "_p90", "_p99"].map(
      (suffix) => `switchyard_nodejs_eventloop_lag${suffix}_seconds`,
    );
    assert.deepEqual([...values.keys()].sort(), names.sort());
    // An idle loop runs its timers nearly on time: the delay is far below the sampling interval that prom-client's
    // own gauges would report (their p50 on an idle loop is the interval itself).
    const p50 = values.get("switchyard_nodejs_eventloop_lag_p50_seconds") ?? Number.NaN;
    assert.ok(p50 >= 0 && p50 < EVENT_LOOP_SAMPLE_MS / 1000 / 2, `p50 ${p50}`);
    assert.ok((values.get("switchyard_nodejs_eventloop_lag_min_seconds") ?? -1) >= 0);
    // Timers never run early: over several samples some ran measurably late, so the gauges carry values.
    assert.ok((values.get("switchyard_nodejs_eventloop_lag_max_seconds") ?? 0) > 0, JSON.stringify([...values]));
  });
});
