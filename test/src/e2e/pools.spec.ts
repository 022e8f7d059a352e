// Named worker pools through real processes: a deployment pinned to `worker_pool: gpu` is called only by that pool's
// worker, which alone holds its credential; losing that pool fails only its deployments.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { freePorts, isReady, type Mesh, startMesh } from "@switchyard/launcher";
import { type FakeUpstream, startFakeOpenAI } from "../fakes/index.js";
import { MASTER_KEY } from "./setup.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const POOL_KEY = "sk-only-the-gpu-pool-has-this";

let upstream: FakeUpstream;
let mesh: Mesh;
let poolWorker: ChildProcess;

async function waitReady(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await isReady(url))) {
    if (Date.now() > deadline) throw new Error(`${url} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  upstream = await startFakeOpenAI({ apiKey: POOL_KEY });
  const dir = mkdtempSync(join(tmpdir(), "switchyard-pools-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: shared
    litellm_params: { model: mock/shared }
    model_info: { id: shared }
  - model_name: isolated
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: ${upstream.url}/v1
      api_key: os.environ/GPU_POOL_KEY
      worker_pool: gpu
    model_info: { id: isolated }
router_settings: { num_retries: 0 }
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`,
  );
  // The gpu pool's worker: the only process with the pinned deployment's credential.
  const [grpcPort, httpPort] = await freePorts(2);
  poolWorker = spawn(process.execPath, [join(ROOT, "services/provider-worker/dist/main.js")], {
    env: {
      ...process.env,
      SWITCHYARD_CONFIG: configPath,
      SWITCHYARD_GRPC_ADDR: `127.0.0.1:${grpcPort}`,
      SWITCHYARD_HTTP_ADDR: `127.0.0.1:${httpPort}`,
      GPU_POOL_KEY: POOL_KEY,
      LOG_LEVEL: "warn",
    },
    stdio: "ignore",
  });
  await waitReady(`http://127.0.0.1:${httpPort}`);
  mesh = await startMesh({
    configPath,
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY },
    serviceEnv: { router: { SWITCHYARD_WORKER_POOL_GPU_ADDRS: `127.0.0.1:${httpPort}` } },
  });
});

after(async () => {
  await mesh?.stop();
  if (poolWorker && poolWorker.exitCode === null && poolWorker.signalCode === null) {
    poolWorker.kill("SIGKILL");
    await once(poolWorker, "exit");
  }
  await upstream?.close();
});

async function chat(model: string): Promise<{ status: number; deployment: string | null; body: string }> {
  const res = await fetch(`${mesh.restUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }] }),
  });
  return { status: res.status, deployment: res.headers.get("x-switchyard-deployment"), body: await res.text() };
}

describe("named worker pools", () => {
  it("calls a pinned deployment only through its pool, whose worker holds the credential", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await chat("isolated");
      assert.equal(res.status, 200, res.body);
      assert.equal(res.deployment, "isolated");
    }
    assert.equal(upstream.requests.length, 5);
    assert.ok(upstream.requests.every((r) => r.headers.authorization === `Bearer ${POOL_KEY}`));
    // The default pool's worker has no credential for it: had it been asked, the call would have failed.
    const shared = await chat("shared");
    assert.equal(shared.status, 200, shared.body);
  });

  it("losing the pool fails only its deployments", async () => {
    poolWorker.kill("SIGKILL");
    await once(poolWorker, "exit");
    const isolated = await chat("isolated");
    assert.equal(isolated.status, 503, isolated.body);
    assert.equal(upstream.requests.length, 5, "no other worker called the pinned deployment");
    for (let i = 0; i < 3; i++) assert.equal((await chat("shared")).status, 200);
  });
});
