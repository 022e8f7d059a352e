// A gateway of two ingress and two policy processes (ingress i asks policy i) over one NATS and ClickHouse, for the
// rate-limit and budget specs: a limit holds only if it holds across replicas.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ClickHouseServer,
  freePort,
  type Mesh,
  type NatsServer,
  startClickHouse,
  startMesh,
  startNats,
} from "@switchyard/launcher";
import { MASTER_KEY } from "./setup.js";

/** Fast answers. */
export const FAST = "mock-fast";
/** Answers after 2 s, to hold parallel-request slots. */
export const SLOW = "mock-slow";
/** Streams ten chunks a second apart: a request that outlives a short admission lifetime. */
export const LONG = "mock-long";
/** Output at $0.001 per token and input free, with a long answer cut at max_tokens: 100 tokens cost $0.10. */
export const PRICED = "mock-priced";

/**
 * Never answers within its 0.5 s timeout, and bills input at $0.001 per token: a timed-out attempt is charged its
 * estimated prompt. Falls back to PRICED.
 */
export const STUCK = "mock-stuck";
/** The same, without a fallback. */
export const STUCK_ALONE = "mock-stuck-alone";

const LONG_ANSWER = "lorem ipsum dolor sit amet ".repeat(200);

const config = (failOpen: boolean) => `
model_list:
  - model_name: ${FAST}
    litellm_params: { model: mock/fast, mock_chunks: 2 }
  - model_name: ${SLOW}
    litellm_params: { model: mock/slow, mock_latency_ms: 2000 }
  - model_name: ${LONG}
    litellm_params: { model: mock/long, mock_chunks: 10, mock_latency_ms: 1000 }
  - model_name: ${PRICED}
    litellm_params:
      model: mock/priced
      mock_chunks: 4
      mock_response: "${LONG_ANSWER}"
      input_cost_per_token: 0
      output_cost_per_token: 0.001
  - model_name: ${STUCK}
    litellm_params:
      model: mock/stuck
      mock_latency_ms: 10000
      mock_ttft_ms: 10000
      input_cost_per_token: 0.001
      output_cost_per_token: 0.001
  - model_name: ${STUCK_ALONE}
    litellm_params:
      model: mock/stuck
      mock_latency_ms: 10000
      input_cost_per_token: 0.001
      output_cost_per_token: 0.001
router_settings:
  num_retries: 0
  timeout: 30
  fallbacks: [{ ${STUCK}: [${PRICED}] }]
  model_group_timeouts:
    ${STUCK}: { timeout: 0.5 }
    ${STUCK_ALONE}: { timeout: 0.5 }
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
  allow_requests_on_db_unavailable: ${failOpen}
`;

/** How to start the gateway. */
export interface LimitsOptions {
  /** Ingress and policy replicas each; default 2. */
  replicas?: number;
  /** `allow_requests_on_db_unavailable`; default false (fail closed). */
  failOpen?: boolean;
  /** The policy's `SWITCHYARD_POLICY_ADMISSION_TTL_MS`; default its own (15 minutes). */
  admissionTtlMs?: number;
}

/** The replicated gateway and the servers behind it. */
export interface LimitsGateway {
  mesh: Mesh;
  nats: NatsServer;
  clickhouse: ClickHouseServer;
  lines: string[];
  /** `http://127.0.0.1:<port>/metrics` of the (first) ingress's separate metrics listener. */
  ingressMetricsUrl: string;
  stop(): Promise<void>;
}

/** Starts NATS, ClickHouse and a mesh with two (or `replicas`) ingress and policy processes. */
export async function startLimitsGateway(options: LimitsOptions = {}): Promise<LimitsGateway> {
  const replicas = options.replicas ?? 2;
  const [nats, clickhouse] = await Promise.all([startNats(), startClickHouse()]);
  const dir = mkdtempSync(join(tmpdir(), "switchyard-limits-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, config(options.failOpen ?? false));
  const lines: string[] = [];
  const metricsPort = await freePort();
  try {
    const mesh = await startMesh({
      configPath,
      policies: replicas,
      ingresses: replicas,
      metering: { natsUrl: nats.url, clickhouseUrl: clickhouse.url },
      env: { SWITCHYARD_MASTER_KEY: MASTER_KEY },
      serviceEnv: {
        "provider-worker": { SWITCHYARD_USAGE_SPOOL_DIR: join(dir, "spool") },
        // Every ingress replica gets the variable; only the first binds it, so the others get port 0 (any free one).
        ingress: { SWITCHYARD_METRICS_ADDR: `127.0.0.1:${replicas === 1 ? metricsPort : 0}` },
        ...(options.admissionTtlMs
          ? { policy: { SWITCHYARD_POLICY_ADMISSION_TTL_MS: String(options.admissionTtlMs) } }
          : {}),
      },
      onLog: ({ line }) => lines.push(line),
      readyTimeoutMs: 60_000,
    });
    return {
      mesh,
      nats,
      clickhouse,
      lines,
      ingressMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      async stop() {
        await mesh.stop();
        await Promise.all([nats.stop(), clickhouse.stop()]);
      },
    };
  } catch (err) {
    await Promise.all([nats.stop(), clickhouse.stop()]);
    throw err;
  }
}

/** A response with its headers. */
export interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown> & { error?: { message: string; type: string; param: string | null; code: unknown } };
}

/** POSTs JSON to `url + path` with a bearer key. */
export async function post(url: string, path: string, key: string, body: unknown): Promise<Answer> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: Answer["json"];
  try {
    json = JSON.parse(text);
  } catch {
    json = { raw: text };
  }
  return { status: res.status, headers: res.headers, json };
}

/** A chat completion on `model` with `max_tokens`, through ingress `url`. */
export function chat(url: string, key: string, model: string, extra: Record<string, unknown> = {}): Promise<Answer> {
  return post(url, "/v1/chat/completions", key, {
    model,
    messages: [{ role: "user", content: "hi" }],
    max_tokens: 100,
    ...extra,
  });
}
