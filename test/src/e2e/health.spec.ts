// Background health checks through the real mesh (general_settings.background_health_checks): the router probes every
// deployment through a provider worker on its own, and LiteLLM's GET /health reports the results without a single
// client request and without calling an upstream while the admin waits.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type Mesh, startMesh } from "@switchyard/launcher";
import { type FakeUpstream, startFakeOpenAI } from "../fakes/index.js";
import { MASTER_KEY, OPENAI_KEY } from "./setup.js";

/** Probe failures the failing fake answers with: more than the test can use up at one probe a second. */
const SCRIPTED_FAILURES = 200;

function config(steady: string, failing: string): string {
  return `
model_list:
  - model_name: steady
    litellm_params: { model: openai/steady-model, api_base: "${steady}/v1", api_key: os.environ/E2E_OPENAI_KEY }
    model_info: { id: steady }
  - model_name: failing
    litellm_params: { model: openai/failing-model, api_base: "${failing}/v1", api_key: os.environ/E2E_OPENAI_KEY }
    model_info: { id: failing }
  - model_name: quiet
    litellm_params: { model: mock/quiet }
    model_info: { id: quiet, disable_background_health_check: true }
router_settings:
  num_retries: 0
  allowed_fails: 1
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
  background_health_checks: true
  health_check_interval: 1
`;
}

interface Endpoint {
  id: string;
  model: string;
  provider: string;
  last_checked_at?: string;
  latency_ms?: number;
  error?: string;
  error_class?: string;
  consecutive_failures?: number;
}

interface HealthReport {
  healthy_endpoints: Endpoint[];
  unhealthy_endpoints: Endpoint[];
  healthy_count: number;
  unhealthy_count: number;
}

let mesh: Mesh;
let steady: FakeUpstream;
let failing: FakeUpstream;

before(async () => {
  steady = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  failing = await startFakeOpenAI({ apiKey: OPENAI_KEY });
  for (let i = 0; i < SCRIPTED_FAILURES; i++) {
    failing.script({ status: 503, body: { error: { message: "overloaded", type: "server_error" } } });
  }
  const dir = mkdtempSync(join(tmpdir(), "switchyard-e2e-health-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, config(steady.url, failing.url));
  mesh = await startMesh({
    configPath,
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, E2E_OPENAI_KEY: OPENAI_KEY, LOG_LEVEL: "warn" },
  });
});

after(async () => {
  await mesh?.stop();
  await Promise.all([steady?.close(), failing?.close()]);
});

async function health(): Promise<HealthReport> {
  const res = await fetch(`${mesh.restUrl}/health`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as HealthReport;
}

/** Polls /health until both probed deployments have a result (the first round is spread over the interval). */
async function probedReport(): Promise<HealthReport> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const report = await health();
    const all = [...report.healthy_endpoints, ...report.unhealthy_endpoints];
    const checked = (id: string) => all.some((e) => e.id === id && e.last_checked_at !== undefined);
    if (checked("steady") && checked("failing")) return report;
    assert.ok(Date.now() < deadline, `no probe results yet: ${JSON.stringify(report)}`);
    await sleep(200);
  }
}

describe("background health checks through the mesh", () => {
  it("reports a failing deployment unhealthy and a working one healthy, with no client request at all", async () => {
    const report = await probedReport();
    const byId = (list: Endpoint[], id: string) => list.find((e) => e.id === id);

    const ok = byId(report.healthy_endpoints, "steady");
    assert.ok(ok, `steady is healthy: ${JSON.stringify(report)}`);
    assert.equal(ok.model, "steady");
    assert.ok(Date.parse(ok.last_checked_at ?? "") > Date.now() - 60_000);
    assert.equal(typeof ok.latency_ms, "number");

    const bad = byId(report.unhealthy_endpoints, "failing");
    assert.ok(bad, `failing is unhealthy: ${JSON.stringify(report)}`);
    assert.equal(bad.error_class, "unavailable");
    assert.match(bad.error ?? "", /unavailable/);
    assert.ok((bad.consecutive_failures ?? 0) >= 1);

    // Not probed (disable_background_health_check): judged from its breaker, as without background checks.
    const quiet = byId(report.healthy_endpoints, "quiet");
    assert.ok(quiet && quiet.last_checked_at === undefined);
    assert.deepEqual([report.healthy_count, report.unhealthy_count], [2, 1]);

    const text = JSON.stringify(report);
    for (const secret of [OPENAI_KEY, MASTER_KEY, steady.url, failing.url, "127.0.0.1", "api_base"]) {
      assert.ok(!text.includes(secret), `/health shows no ${secret}`);
    }

    // Every upstream call was a probe: one short message, max_tokens 1. No client asked for anything.
    const upstream = [...steady.requests, ...failing.requests];
    assert.ok(steady.requests.length >= 1 && failing.requests.length >= 1);
    for (const req of upstream) {
      const body = req.body as { max_tokens?: number; messages?: unknown[]; stream?: boolean };
      assert.equal(body.max_tokens, 1, JSON.stringify(body));
      assert.equal(body.messages?.length, 1);
      assert.notEqual(body.stream, true);
    }
  });

  it("shows the latest probe at /health/deployments, and failed probes do not open the breaker", async () => {
    // Let a few more probes fail: with allowed_fails 1, routed failures like these would open the breaker.
    await sleep(2_500);
    const res = await fetch(`${mesh.restUrl}/health/deployments`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { deployments: Array<Record<string, unknown>> };
    const failingState = body.deployments.find((d) => d["id"] === "failing");
    const check = failingState?.["health_check"] as Record<string, unknown> | undefined;
    assert.equal(check?.["healthy"], false);
    assert.equal(check?.["error_class"], "unavailable");
    assert.ok((check?.["consecutive_failures"] as number) >= 2, JSON.stringify(check));
    assert.equal(failingState?.["breaker"], "closed", "probes never count towards the breaker");
    assert.equal(failingState?.["requests_last_minute"], 0, "probes are not routed requests");
    const quietState = body.deployments.find((d) => d["id"] === "quiet");
    assert.equal(quietState?.["health_check"], undefined);

    const anonymous = await fetch(`${mesh.restUrl}/health`);
    assert.equal(anonymous.status, 401, "admins only, as before");
  });
});
