import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger } from "@switchyard/runtime";
import { readWorkerDiscovery, startDiscovery } from "./discovery.js";
import { slice, startFakeKubeApi } from "./kube-testkit.js";
import { createWorkerPool } from "./workers.js";

const log = createLogger("discovery-spec", "silent");

describe("worker discovery settings", () => {
  it("defaults to one static address and reads a static list as before", () => {
    assert.deepEqual(readWorkerDiscovery({}), { kind: "static", addresses: ["127.0.0.1:8084"] });
    assert.deepEqual(readWorkerDiscovery({ SWITCHYARD_WORKER_ADDRS: " a:1, b:2 ," }), {
      kind: "static",
      addresses: ["a:1", "b:2"],
    });
    assert.throws(() => readWorkerDiscovery({ SWITCHYARD_WORKER_ADDRS: " , " }), /SWITCHYARD_WORKER_ADDRS/);
  });

  it("reads a DNS name with its port and interval", () => {
    assert.deepEqual(readWorkerDiscovery({ SWITCHYARD_WORKER_DNS: "pw-headless.llm.svc:8084" }), {
      kind: "dns",
      host: "pw-headless.llm.svc",
      port: 8084,
      intervalMs: 5000,
    });
    const env = { SWITCHYARD_WORKER_DNS: "pw:1", SWITCHYARD_WORKER_DNS_INTERVAL_MS: "1000" };
    assert.deepEqual(readWorkerDiscovery(env), { kind: "dns", host: "pw", port: 1, intervalMs: 1000 });
    for (const bad of ["pw", "pw:0", "pw:70000", ":80", "http://pw:80"]) {
      assert.throws(
        () => readWorkerDiscovery({ SWITCHYARD_WORKER_DNS: bad }),
        /SWITCHYARD_WORKER_DNS: expected host:port/,
      );
    }
  });

  it("reads an EndpointSlice target with a port name or number, the namespace optional", () => {
    assert.deepEqual(readWorkerDiscovery({ SWITCHYARD_WORKER_ENDPOINTSLICES: "llm/provider-worker:http" }), {
      kind: "endpointslices",
      namespace: "llm",
      service: "provider-worker",
      port: "http",
      inCluster: false,
    });
    const env = { SWITCHYARD_WORKER_ENDPOINTSLICES: "provider-worker:8084", KUBERNETES_SERVICE_HOST: "10.96.0.1" };
    assert.deepEqual(readWorkerDiscovery(env), {
      kind: "endpointslices",
      service: "provider-worker",
      port: 8084,
      inCluster: true,
    });
    for (const bad of ["provider-worker", "a/b/c:http", "Provider:http", "pw:0", "pw:99999", "ns/:http"]) {
      assert.throws(() => readWorkerDiscovery({ SWITCHYARD_WORKER_ENDPOINTSLICES: bad }), /expected \[namespace\/\]/);
    }
  });

  it("refuses two sources at once", () => {
    const env = { SWITCHYARD_WORKER_ADDRS: "a:1", SWITCHYARD_WORKER_ENDPOINTSLICES: "pw:http" };
    assert.throws(() => readWorkerDiscovery(env), /SWITCHYARD_WORKER_ADDRS and SWITCHYARD_WORKER_ENDPOINTSLICES/);
  });
});

describe("startDiscovery", () => {
  it("keeps the pool in step with the EndpointSlices, in the kubeconfig context's namespace", async () => {
    const api = await startFakeKubeApi();
    api.put(slice("pw-a", "provider-worker", [["10.0.0.1"]]));
    const pool = createWorkerPool([]);
    const seen: string[][] = [];
    const discovery = startDiscovery(
      { kind: "endpointslices", service: "provider-worker", port: "http", inCluster: false },
      { pool, log, kubeConfig: api.kubeConfig(), onChange: (workers) => seen.push(workers) },
    );
    try {
      while (seen.length < 1) await sleep(5);
      assert.deepEqual(pool.addresses(), ["10.0.0.1:8084"]);
      while (api.openWatches === 0) await sleep(5);
      api.put(slice("pw-a", "provider-worker", [["10.0.0.1", false], ["10.0.0.2"]]));
      while (seen.length < 2) await sleep(5);
      assert.deepEqual(pool.addresses(), ["10.0.0.2:8084"]);
    } finally {
      discovery.stop();
      await pool.close();
      await api.close();
    }
  });

  it("resolves a DNS name into the pool", async () => {
    const pool = createWorkerPool([]);
    let changes = 0;
    const discovery = startDiscovery(
      { kind: "dns", host: "localhost", port: 9, intervalMs: 1000 },
      { pool, log, onChange: () => changes++ },
    );
    while (changes === 0) await sleep(5);
    discovery.stop();
    assert.ok(pool.addresses().length > 0);
    await pool.close();
  });
});
