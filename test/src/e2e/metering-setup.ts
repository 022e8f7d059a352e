// A mesh with metering on: real nats-server and clickhouse-server on free ports, the metering service,
// two provider workers, mock deployments (one flaky, so some requests fall back) and a fake OpenAI
// upstream with per-token prices from the config, for exact golden costs.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ClickHouseServer,
  type Mesh,
  type MeshOptions,
  type NatsServer,
  startClickHouse,
  startMesh,
  startNats,
} from "@switchyard/launcher";
import { request } from "undici";
import { type FakeUpstream, startFakeOpenAI } from "../fakes/index.js";
import { MASTER_KEY, OPENAI_KEY } from "./setup.js";

/** A metered gateway and the servers behind it. */
export interface MeteredGateway {
  mesh: Mesh;
  nats: NatsServer;
  clickhouse: ClickHouseServer;
  openai: FakeUpstream;
  stop(): Promise<void>;
}

function config(openai: string): string {
  return `
model_list:
  - model_name: steady
    litellm_params: { model: mock/steady, mock_chunks: 4, input_cost_per_token: 0.0000013, output_cost_per_token: 0.0000071 }
  - model_name: flaky
    litellm_params: { model: mock/flaky, mock_chunks: 3, mock_failure_rate: 0.3, mock_failure_status: 503 }
  - model_name: slow
    litellm_params: { model: mock/slow, mock_chunks: 100, mock_latency_ms: 50, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
  - model_name: priced
    litellm_params:
      model: openai/gpt-4o
      api_base: "${openai}/v1"
      api_key: os.environ/E2E_OPENAI_KEY
      input_cost_per_token: 0.0000025
      output_cost_per_token: 0.00001
      cache_read_input_token_cost: 0.00000125
router_settings:
  num_retries: 0
  timeout: 10
  allowed_fails: 1000000
  fallbacks:
    - flaky: [steady]
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`;
}

/** Extra settings of `startMeteredGateway`: environment for every process or per service, and a log hook. */
export interface MeteredOptions {
  env?: Record<string, string>;
  serviceEnv?: MeshOptions["serviceEnv"];
  onLog?: MeshOptions["onLog"];
}

/** Starts NATS, ClickHouse, a fake OpenAI and the whole mesh with metering. */
export async function startMeteredGateway(options: MeteredOptions = {}): Promise<MeteredGateway> {
  const [nats, clickhouse, openai] = await Promise.all([
    startNats(),
    startClickHouse(),
    startFakeOpenAI({ apiKey: OPENAI_KEY }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), "switchyard-metering-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, config(openai.url));
  const mesh = await startMesh({
    configPath,
    workers: 2,
    metering: { natsUrl: nats.url, clickhouseUrl: clickhouse.url },
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, E2E_OPENAI_KEY: OPENAI_KEY, LOG_LEVEL: "warn", ...options.env },
    serviceEnv: {
      ...options.serviceEnv,
      "provider-worker": { SWITCHYARD_USAGE_SPOOL_DIR: join(dir, "spool"), ...options.serviceEnv?.["provider-worker"] },
    },
    ...(options.onLog ? { onLog: options.onLog } : {}),
    readyTimeoutMs: 60_000,
  });
  return {
    mesh,
    nats,
    clickhouse,
    openai,
    async stop() {
      await mesh.stop();
      await Promise.all([nats.stop(), clickhouse.stop(), openai.close()]);
    },
  };
}

/** Parses a dollar amount such as "0.000123456" into integer nano-dollars, exactly. */
export function nanosOf(usd: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,9}))?$/.exec(usd);
  if (!match) throw new Error(`expected a dollar amount with at most 9 decimals, got "${usd}"`);
  return BigInt(match[1]!) * 1_000_000_000n + BigInt((match[2] ?? "").padEnd(9, "0"));
}

/** What one chat call through the gateway reported. */
export interface CallResult {
  status: number;
  attempts: number;
  /** From x-switchyard-response-cost (a header, or a trailer on streams); undefined when absent. */
  costNanos: bigint | undefined;
  body: string;
}

/** One chat completion over plain HTTP, reading the cost header or, for streams, the cost trailer. */
export async function chat(
  restUrl: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<CallResult> {
  const res = await request(`${restUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  const cost = res.headers["x-switchyard-response-cost"] ?? res.trailers["x-switchyard-response-cost"];
  return {
    status: res.statusCode,
    attempts: Number(res.headers["x-switchyard-attempts"] ?? 0),
    costNanos: typeof cost === "string" ? nanosOf(cost) : undefined,
    body: text,
  };
}
