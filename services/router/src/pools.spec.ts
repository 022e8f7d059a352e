import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deployment } from "@switchyard/config";
import { createLogger } from "@switchyard/runtime";
import { createPools, DEFAULT_POOL, poolEnvPrefix, readPoolDiscovery } from "./pools.js";

const dep = (id: string, workerPool?: string): Deployment => ({
  id,
  modelName: id,
  provider: "mock",
  model: id,
  weight: 1,
  tags: [],
  modelInfo: {},
  params: {},
  source: `model_list[${id}]`,
  ...(workerPool ? { workerPool } : {}),
});

describe("worker pools", () => {
  it("names each pool's variables after the pool", () => {
    assert.equal(poolEnvPrefix("bedrock-eu"), "SWITCHYARD_WORKER_POOL_BEDROCK_EU");
  });

  it("reads the default pool and every pool a deployment names, each from its own variables", () => {
    const sources = readPoolDiscovery(
      {
        SWITCHYARD_WORKER_ADDRS: "10.0.0.1:8084",
        SWITCHYARD_WORKER_POOL_BEDROCK_EU_ENDPOINTSLICES: "llm/worker-bedrock-eu:grpc",
        SWITCHYARD_WORKER_POOL_GPU_ADDRS: "10.0.1.1:8084,10.0.1.2:8084",
      },
      [dep("a"), dep("b", "bedrock-eu"), dep("c", "gpu"), dep("d", "gpu")],
    );
    assert.deepEqual([...sources.keys()], [DEFAULT_POOL, "bedrock-eu", "gpu"]);
    assert.deepEqual(sources.get("gpu"), { kind: "static", addresses: ["10.0.1.1:8084", "10.0.1.2:8084"] });
    assert.equal(sources.get("bedrock-eu")?.kind, "endpointslices");
  });

  it("refuses to start when a named pool has no source, naming the variables and the deployment", () => {
    assert.throws(
      () => readPoolDiscovery({}, [dep("b", "bedrock")]),
      /SWITCHYARD_WORKER_POOL_BEDROCK_ADDRS, SWITCHYARD_WORKER_POOL_BEDROCK_DNS or SWITCHYARD_WORKER_POOL_BEDROCK_ENDPOINTSLICES: expected one, to find the workers of worker_pool "bedrock" \(model_list\[b\]\)/,
    );
    assert.throws(
      () =>
        readPoolDiscovery({ SWITCHYARD_WORKER_POOL_X_ADDRS: "a:1", SWITCHYARD_WORKER_POOL_X_DNS: "b:2" }, [
          dep("b", "x"),
        ]),
      /expected only one way/,
    );
  });

  it("sends each deployment to its pool's workers, and the rest to the default pool", async () => {
    const pools = createPools(
      readPoolDiscovery({ SWITCHYARD_WORKER_ADDRS: "127.0.0.1:1", SWITCHYARD_WORKER_POOL_GPU_ADDRS: "127.0.0.1:2" }, [
        dep("c", "gpu"),
      ]),
    );
    try {
      assert.deepEqual(pools.of(dep("c", "gpu")).workers.addresses(), ["127.0.0.1:2"]);
      assert.deepEqual(pools.of(dep("a")).workers.addresses(), ["127.0.0.1:1"]);
      assert.equal(pools.of(dep("c", "gpu")).name, "gpu");
      const changes: string[] = [];
      const running = pools.start({
        log: createLogger("pools-spec", "silent"),
        onChange: (pool) => changes.push(pool),
      });
      running.stop();
      assert.deepEqual(changes, [], "static pools do not change");
    } finally {
      await pools.close();
    }
  });
});
