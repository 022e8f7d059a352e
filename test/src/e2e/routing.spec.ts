// Routing strategies and tag-based routing through the real mesh: the router reads `routing_strategy` from the config
// and the request tags from the ingress (x-switchyard-tags or metadata.tags), and says which deployment served.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Mesh, startMesh } from "@switchyard/launcher";
import { MASTER_KEY } from "./setup.js";

const CONFIG = `
model_list:
  - model_name: priced
    litellm_params: { model: mock/dear, input_cost_per_token: 0.00001, output_cost_per_token: 0.00003 }
    model_info: { id: dear }
  - model_name: priced
    litellm_params: { model: mock/cheap, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
    model_info: { id: cheap }
  - model_name: regional
    litellm_params: { model: mock/eu, tags: [eu], input_cost_per_token: 0.00001, output_cost_per_token: 0.00001 }
    model_info: { id: regional-eu }
  - model_name: regional
    litellm_params: { model: mock/us, tags: [us], input_cost_per_token: 0.00002, output_cost_per_token: 0.00002 }
    model_info: { id: regional-us }
  - model_name: regional
    litellm_params: { model: mock/any, tags: [default], input_cost_per_token: 0.00003, output_cost_per_token: 0.00003 }
    model_info: { id: regional-default }
  - model_name: broken
    litellm_params: { model: mock/broken, mock_failure_rate: 1, mock_failure_status: 503 }
    model_info: { id: broken }
  - model_name: stalling
    litellm_params: { model: mock/stall, mock_chunks: 3, mock_latency_ms: 3000, stream_timeout: 0.5 }
    model_info: { id: stalling }
router_settings:
  routing_strategy: cost-based-routing
  enable_tag_filtering: true
  num_retries: 0
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`;

let mesh: Mesh;

before(async () => {
  mesh = await meshWith(CONFIG);
});
after(() => mesh?.stop());

/** Sends a chat completion and returns the deployment that served it. */
async function servedBy(
  model: string,
  headers: Record<string, string> = {},
  body: object = {},
  target: Mesh = mesh,
): Promise<string> {
  const res = await fetch(`${target.restUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], ...body }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  await res.text();
  return res.headers.get("x-switchyard-deployment") ?? "";
}

describe("routing strategies through the mesh", () => {
  it("cost-based-routing sends every request to the cheapest deployment", async () => {
    const served = new Set<string>();
    for (let i = 0; i < 20; i++) served.add(await servedBy("priced"));
    assert.deepEqual([...served], ["cheap"]);
  });

  it("follows the client's fallbacks (LiteLLM's request field) when the requested group fails", async () => {
    assert.equal(await servedBy("broken", {}, { fallbacks: ["priced"] }), "cheap");
  });

  it("tags select deployments (header or metadata.tags), falling back to the default-tagged one", async () => {
    assert.equal(await servedBy("regional", { "x-switchyard-tags": "us" }), "regional-us");
    assert.equal(await servedBy("regional", {}, { metadata: { tags: ["eu"] } }), "regional-eu");
    assert.equal(await servedBy("regional", { "x-switchyard-tags": "apac" }), "regional-default");
    // Without tags every deployment may serve; the strategy then picks the cheapest.
    assert.equal(await servedBy("regional"), "regional-eu");
  });

  it("lists every deployment's breaker, cooldown and load at /health/deployments, for admins only", async () => {
    const res = await fetch(`${mesh.restUrl}/health/deployments`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { deployments: Array<Record<string, unknown>> };
    const cheap = body.deployments.find((d) => d["id"] === "cheap");
    assert.deepEqual(Object.keys(body.deployments[0] ?? {}), [
      "id",
      "model_group",
      "provider",
      "breaker",
      "cooldown_until",
      "in_flight",
      "latency_ms",
      "requests_last_minute",
      "retries_last_minute",
    ]);
    assert.equal(body.deployments.length, 7);
    assert.equal(cheap?.["breaker"], "closed");
    assert.equal(cheap?.["cooldown_until"], null);
    assert.ok((cheap?.["requests_last_minute"] as number) >= 20);
    const anonymous = await fetch(`${mesh.restUrl}/health/deployments`);
    assert.equal(anonymous.status, 401);

    // LiteLLM's health paths: probes for Kubernetes, and /health from breaker state without probe calls.
    const alive = await fetch(`${mesh.restUrl}/health/liveliness`);
    assert.equal(await alive.json(), "I'm alive!");
    assert.deepEqual(await (await fetch(`${mesh.restUrl}/health/readiness`)).json(), { status: "healthy" });
    const health = await fetch(`${mesh.restUrl}/health`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    const report = (await health.json()) as { healthy_count: number; unhealthy_count: number };
    assert.deepEqual([report.healthy_count, report.unhealthy_count], [7, 0]);
  });

  it("ends a stream that stalls after its first chunk with an error event within the idle timeout, never [DONE]", async () => {
    const started = Date.now();
    const res = await fetch(`${mesh.restUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "stalling", stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    const elapsed = Date.now() - started;
    const events = text
      .split("\n\n")
      .filter((e) => e.startsWith("data: "))
      .map((e) => e.slice(6));
    assert.ok(events.length >= 2, text);
    assert.ok(JSON.parse(events[0] as string).choices, "the first chunk came through");
    const last = JSON.parse(events[events.length - 1] as string) as { error?: { code: string; message: string } };
    assert.equal(last.error?.code, "timeout", text);
    assert.match(last.error?.message ?? "", /stream_timeout/);
    assert.ok(!text.includes("[DONE]"));
    assert.ok(elapsed < 2_500, `ended after ${elapsed} ms, well before the 3 s stall was over`);
  });
});

/** Starts a mesh on `config`; the caller stops it. */
async function meshWith(config: string): Promise<Mesh> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-routing-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, config);
  return startMesh({ configPath, env: { SWITCHYARD_MASTER_KEY: MASTER_KEY } });
}

/** Sends a chat completion to `target` and returns the deployment that served it. */
function servedOn(target: Mesh, model: string): Promise<string> {
  return servedBy(model, {}, {}, target);
}

describe("latency-based and least-busy routing under skew", () => {
  it("latency-based-routing settles on the fast deployment", async () => {
    const skewed = await meshWith(`
model_list:
  - model_name: g
    litellm_params: { model: mock/slow, mock_latency_ms: 150 }
    model_info: { id: slow }
  - model_name: g
    litellm_params: { model: mock/fast, mock_latency_ms: 5 }
    model_info: { id: fast }
router_settings:
  routing_strategy: latency-based-routing
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`);
    try {
      // Both get measured first; from then on the fast one serves.
      for (let i = 0; i < 4; i++) await servedOn(skewed, "g");
      const served: string[] = [];
      for (let i = 0; i < 20; i++) served.push(await servedOn(skewed, "g"));
      assert.deepEqual([...new Set(served)], ["fast"]);
    } finally {
      await skewed.stop();
    }
  });

  it("least-busy spreads concurrent slow requests over both deployments", async () => {
    const busy = await meshWith(`
model_list:
  - model_name: g
    litellm_params: { model: mock/a, mock_latency_ms: 300 }
    model_info: { id: a }
  - model_name: g
    litellm_params: { model: mock/b, mock_latency_ms: 300 }
    model_info: { id: b }
  - model_name: g
    litellm_params: { model: mock/c, mock_latency_ms: 300, weight: 100 }
    model_info: { id: c }
router_settings:
  routing_strategy: least-busy
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`);
    try {
      const served = await Promise.all(Array.from({ length: 9 }, () => servedOn(busy, "g")));
      const counts: Record<string, number> = {};
      for (const id of served) counts[id] = (counts[id] ?? 0) + 1;
      // Weight would send nearly all to c; least-busy gives each of the three its share.
      assert.deepEqual(counts, { a: 3, b: 3, c: 3 });
    } finally {
      await busy.stop();
    }
  });
});
