import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatStartFailure } from "./errors.js";
import { KEY_HASH_SECRET_ENV, logFileName, type MeshPorts, planMesh, processLabel, stopOrder } from "./plan.js";

const ports: MeshPorts = {
  policies: [{ grpc: 5001, http: 5002 }],
  workers: [
    { grpc: 5003, http: 5004 },
    { grpc: 5005, http: 5006 },
  ],
  router: { grpc: 5007, http: 5008 },
  ingresses: [{ grpc: 4001, http: 4000 }],
};

const plan = (extra: Partial<Parameters<typeof planMesh>[0]> = {}) =>
  planMesh({
    configPath: "/etc/switchyard.yaml",
    host: "127.0.0.1",
    ports,
    baseEnv: { PATH: "/bin", NODE_TEST_CONTEXT: "child-v8", SWITCHYARD_GRPC_ADDR: "0.0.0.0:1", UNSET: undefined },
    ...extra,
  });

describe("planMesh", () => {
  it("plans policy, workers, router, ingress in start order", () => {
    const labels = plan().map((p) => processLabel(p.name, p.index));
    assert.deepEqual(labels, ["policy", "provider-worker-0", "provider-worker-1", "router", "ingress"]);
    assert.deepEqual(
      plan().map((p) => p.entry),
      [
        "services/policy/dist/main.js",
        "services/provider-worker/dist/main.js",
        "services/provider-worker/dist/main.js",
        "services/router/dist/main.js",
        "services/ingress/dist/main.js",
      ],
    );
  });

  it("wires the environment contract", () => {
    const [policy, , worker1, router, ingress] = plan();
    assert.equal(policy?.env["SWITCHYARD_GRPC_ADDR"], "127.0.0.1:5001");
    assert.equal(policy?.env["SWITCHYARD_HTTP_ADDR"], "127.0.0.1:5002");
    assert.equal(worker1?.grpcAddress, "127.0.0.1:5005");
    assert.equal(router?.env["SWITCHYARD_WORKER_ADDRS"], "127.0.0.1:5004,127.0.0.1:5006");
    assert.equal(ingress?.env["SWITCHYARD_ROUTER_ADDR"], "127.0.0.1:5008");
    assert.equal(ingress?.env["SWITCHYARD_POLICY_ADDR"], "127.0.0.1:5002");
    assert.equal(ingress?.httpAddress, "127.0.0.1:4000");
    for (const p of plan()) {
      assert.equal(p.env["SWITCHYARD_CONFIG"], "/etc/switchyard.yaml");
      assert.equal(p.env["LOG_LEVEL"], "info");
      assert.equal(p.env["PATH"], "/bin");
      assert.equal("NODE_TEST_CONTEXT" in p.env, false);
      assert.equal("UNSET" in p.env, false);
      assert.equal("SWITCHYARD_WORKER_ADDRS" in p.env, p.name === "router");
    }
  });

  it("lets env add variables but not move addresses, and serviceEnv override anything", () => {
    const plans = plan({
      env: { LOG_LEVEL: "debug", SWITCHYARD_GRPC_ADDR: "0.0.0.0:9" },
      serviceEnv: { policy: { SWITCHYARD_MASTER_KEY: "sk-test" }, router: { SWITCHYARD_WORKER_ADDRS: "127.0.0.1:1" } },
    });
    for (const p of plans) {
      assert.equal(p.env["LOG_LEVEL"], "debug");
      assert.notEqual(p.env["SWITCHYARD_GRPC_ADDR"], "0.0.0.0:9");
      assert.equal(p.env["SWITCHYARD_MASTER_KEY"], p.name === "policy" ? "sk-test" : undefined);
    }
    assert.equal(plans.find((p) => p.name === "router")?.env["SWITCHYARD_WORKER_ADDRS"], "127.0.0.1:1");
  });

  it("plans router replicas and points ingress i at router i modulo the router count", () => {
    const ingresses = [4000, 4010, 4020].map((http) => ({ grpc: http + 1, http }));
    const plans = plan({ ports: { ...ports, extraRouters: [{ grpc: 5011, http: 5012 }], ingresses } });
    const routers = plans.filter((p) => p.name === "router");
    assert.deepEqual(
      routers.map((p) => [processLabel(p.name, p.index), p.httpAddress]),
      [
        ["router", "127.0.0.1:5008"],
        ["router-1", "127.0.0.1:5012"],
      ],
    );
    for (const r of routers) assert.equal(r.env["SWITCHYARD_WORKER_ADDRS"], "127.0.0.1:5004,127.0.0.1:5006");
    assert.deepEqual(
      plans.filter((p) => p.name === "ingress").map((p) => p.env["SWITCHYARD_ROUTER_ADDR"]),
      ["127.0.0.1:5008", "127.0.0.1:5012", "127.0.0.1:5008"],
    );
  });
});

describe("planMesh with metering", () => {
  const metering = { natsUrl: "nats://127.0.0.1:4222", clickhouseUrl: "http://127.0.0.1:8123" };
  const metered = (extra: Partial<Parameters<typeof planMesh>[0]> = {}) =>
    plan({ ports: { ...ports, metering: { grpc: 5009, http: 5010 } }, metering, ...extra });
  const policyEnv = (plans: ReturnType<typeof planMesh>) => plans.find((p) => p.name === "policy")!.env;

  it("gives the policy NATS and a generated key-hash secret, and no other process that secret", () => {
    const plans = metered();
    const env = policyEnv(plans);
    assert.equal(env["SWITCHYARD_NATS_URL"], metering.natsUrl);
    assert.match(env[KEY_HASH_SECRET_ENV] ?? "", /^[A-Za-z0-9_-]{43}$/);
    for (const p of plans) if (p.name !== "policy") assert.equal(KEY_HASH_SECRET_ENV in p.env, false, p.name);
    // A new plan (a new mesh) draws a new secret.
    assert.notEqual(policyEnv(metered())[KEY_HASH_SECRET_ENV], env[KEY_HASH_SECRET_ENV]);
  });

  it("takes the secret from the input environment, and lets serviceEnv override it", () => {
    const secret = "s".repeat(40);
    assert.equal(policyEnv(metered({ env: { [KEY_HASH_SECRET_ENV]: secret } }))[KEY_HASH_SECRET_ENV], secret);
    assert.equal(policyEnv(metered({ baseEnv: { [KEY_HASH_SECRET_ENV]: secret } }))[KEY_HASH_SECRET_ENV], secret);
    const override = metered({
      env: { [KEY_HASH_SECRET_ENV]: secret },
      serviceEnv: { policy: { [KEY_HASH_SECRET_ENV]: "o".repeat(32) } },
    });
    assert.equal(policyEnv(override)[KEY_HASH_SECRET_ENV], "o".repeat(32));
  });

  it("gives the policy neither without metering", () => {
    const env = policyEnv(plan());
    assert.equal("SWITCHYARD_NATS_URL" in env, false);
    assert.equal(KEY_HASH_SECRET_ENV in env, false);
  });
});

describe("stopOrder", () => {
  it("stops ingress, router, workers together, then policy", () => {
    const stages = stopOrder(plan()).map((stage) => stage.map((p) => processLabel(p.name, p.index)));
    assert.deepEqual(stages, [["ingress"], ["router"], ["provider-worker-0", "provider-worker-1"], ["policy"]]);
  });

  it("skips services that are not present", () => {
    assert.deepEqual(stopOrder([{ name: "policy" }]), [[{ name: "policy" }]]);
  });
});

describe("logFileName", () => {
  it("suffixes replicated workers with their index", () => {
    assert.equal(logFileName("router", 0), "router.log");
    assert.equal(logFileName("provider-worker", 2), "provider-worker-2.log");
  });
});

describe("formatStartFailure", () => {
  it("names the process and quotes the tail of its log", () => {
    const logs = Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n");
    const message = formatStartFailure("provider-worker", 1, "exited with code 1 before it was ready", logs);
    const lines = message.split("\n");
    assert.equal(lines[0], "provider-worker-1 exited with code 1 before it was ready");
    assert.equal(lines[1], "--- provider-worker-1 last 40 of 50 log lines ---");
    assert.equal(lines[2], "line 10");
    assert.equal(lines.at(-1), "line 49");
  });

  it("says when there was no output", () => {
    assert.equal(
      formatStartFailure("policy", 0, "not ready after 5 ms", "\n"),
      "policy not ready after 5 ms; it wrote no output",
    );
  });
});
