// A mesh with key management on: real nats-server and clickhouse-server on free ports, the whole mesh with metering
// (so the policy keeps keys in NATS KV), two mock model groups, every service logging at debug level and every
// line kept, so a spec can prove that no key secret was ever written to a log. Requests go out through node:http,
// which sends paths and headers exactly as given (fetch and undici would normalise `/x/../key/info`).

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { type OutgoingHttpHeaders, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ClickHouseServer,
  type Mesh,
  type NatsServer,
  type NatsServerAuth,
  startClickHouse,
  startMesh,
  startNats,
} from "@switchyard/launcher";
import type { TestPki } from "./pki-setup.js";
import { MASTER_KEY } from "./setup.js";

/** The model groups of the admin mesh. */
export const MODEL_A = "mock-a";
export const MODEL_B = "mock-b";

/** A gateway with key management and the servers behind it. */
export interface AdminGateway {
  mesh: Mesh;
  nats: NatsServer;
  clickhouse: ClickHouseServer;
  /** Every line every service wrote, in order (the processes' own rings keep the last 200 only). */
  lines: string[];
  stop(): Promise<void>;
}

/** Options of `startAdminGateway`. */
export interface AdminGatewayOptions {
  /** YAML lines added under `general_settings`, each indented by two spaces (JWT auth, for one). */
  generalSettings?: string;
  /**
   * A NATS that requires credentials; the mesh gets a user and password inside `SWITCHYARD_NATS_URL`, a token in
   * `SWITCHYARD_NATS_TOKEN`.
   */
  natsAuth?: NatsServerAuth;
  /** A NATS that requires mutual TLS with certificates of this CA; the mesh gets the client certificate's files. */
  natsTls?: TestPki;
}

/** The URL and variables the mesh reaches `nats` with, signing in with `auth`. */
function natsAccess(nats: NatsServer, auth: NatsServerAuth | undefined): { url: string; env: Record<string, string> } {
  if (!auth) return { url: nats.url, env: {} };
  if ("token" in auth) return { url: nats.url, env: { SWITCHYARD_NATS_TOKEN: auth.token } };
  const userinfo = `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}`;
  return { url: nats.url.replace("nats://", `nats://${userinfo}@`), env: {} };
}

const config = (generalSettings = "") => `
model_list:
  - model_name: ${MODEL_A}
    litellm_params: { model: mock/a, mock_chunks: 2 }
  - model_name: ${MODEL_B}
    litellm_params: { model: mock/b, mock_chunks: 2 }
router_settings:
  num_retries: 0
  timeout: 10
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
${generalSettings}`;

/** Starts NATS, ClickHouse and the whole mesh with metering, logging at debug level. */
export async function startAdminGateway(options: AdminGatewayOptions = {}): Promise<AdminGateway> {
  const pki = options.natsTls;
  const tlsEnv: Record<string, string> = pki
    ? {
        SWITCHYARD_NATS_TLS_CA: pki.ca,
        SWITCHYARD_NATS_TLS_CERT: pki.clientCert,
        SWITCHYARD_NATS_TLS_KEY: pki.clientKey,
      }
    : {};
  const [nats, clickhouse] = await Promise.all([
    startNats({
      ...(options.natsAuth ? { auth: options.natsAuth } : {}),
      ...(pki ? { tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca } } : {}),
    }),
    startClickHouse(),
  ]);
  const access = natsAccess(nats, options.natsAuth);
  const dir = mkdtempSync(join(tmpdir(), "switchyard-admin-e2e-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, config(options.generalSettings));
  const lines: string[] = [];
  try {
    const mesh = await startMesh({
      configPath,
      metering: { natsUrl: access.url, clickhouseUrl: clickhouse.url },
      env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, LOG_LEVEL: "debug", ...access.env, ...tlsEnv },
      serviceEnv: { "provider-worker": { SWITCHYARD_USAGE_SPOOL_DIR: join(dir, "spool") } },
      onLog: ({ line }) => lines.push(line),
      readyTimeoutMs: 60_000,
    });
    return {
      mesh,
      nats,
      clickhouse,
      lines,
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

/** A response as a client saw it; `json` is undefined when the body was not JSON. */
export interface Reply {
  status: number;
  json: Record<string, unknown> & { error?: { message: string; type: string; param: string | null; code: unknown } };
}

/** Asserts a 200 and returns the body; `what` names the call in the failure message. */
export function ok(reply: Reply, what: string): Record<string, unknown> {
  assert.equal(reply.status, 200, `${what}: ${JSON.stringify(reply.json)}`);
  return reply.json;
}

/** Sends one request with `path` and `headers` on the wire exactly as given. */
export function send(
  restUrl: string,
  method: string,
  path: string,
  body?: string,
  headers: OutgoingHttpHeaders = {},
): Promise<Reply> {
  const { hostname, port } = new URL(restUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: Reply["json"] = {};
        try {
          json = text === "" ? {} : JSON.parse(text);
        } catch {
          json = { raw: text };
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A client of one gateway acting with one credential. */
export interface AdminClient {
  post(path: string, body: unknown, headers?: OutgoingHttpHeaders): Promise<Reply>;
  get(path: string, headers?: OutgoingHttpHeaders): Promise<Reply>;
  /** A one-message chat completion on `model`. */
  chat(model: string): Promise<Reply>;
}

/** A client that sends `Authorization: Bearer <key>`. */
export function clientFor(restUrl: string, key: string): AdminClient {
  const auth = { authorization: `Bearer ${key}` };
  const post = (path: string, body: unknown, headers: OutgoingHttpHeaders = {}) =>
    send(restUrl, "POST", path, JSON.stringify(body), { ...auth, "content-type": "application/json", ...headers });
  return {
    post,
    get: (path, headers = {}) => send(restUrl, "GET", path, undefined, { ...auth, ...headers }),
    chat: (model) => post("/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }] }),
  };
}

/** Polls `probe` every 25 ms until it returns true; resolves with the elapsed ms, or rejects after `timeoutMs`. */
export async function within(timeoutMs: number, probe: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await probe())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - start;
}

/** ClickHouse's own databases, which hold no rows the mesh wrote. */
const SYSTEM_DATABASES = "('system', 'INFORMATION_SCHEMA', 'information_schema')";

async function clickhouseQuery(url: string, query: string): Promise<string> {
  const res = await fetch(url, { method: "POST", body: query });
  const text = await res.text();
  if (!res.ok) throw new Error(`clickhouse answered ${res.status} to "${query}": ${text.slice(0, 500)}`);
  return text;
}

/**
 * Every row of every table in every database other than ClickHouse's own, as TabSeparated text keyed by
 * `database.table`: what a canary scan searches for secrets.
 */
export async function dumpClickHouse(url: string): Promise<Map<string, string>> {
  const list = await clickhouseQuery(
    url,
    `SELECT database, name FROM system.tables WHERE database NOT IN ${SYSTEM_DATABASES} FORMAT TabSeparated`,
  );
  const dump = new Map<string, string>();
  for (const line of list.split("\n").filter((l) => l !== "")) {
    const [database = "", table = ""] = line.split("\t");
    const name = `\`${database}\`.\`${table}\``;
    dump.set(`${database}.${table}`, await clickhouseQuery(url, `SELECT * FROM ${name} FORMAT TabSeparated`));
  }
  return dump;
}

/** The names of the tables whose dump contains any of `canaries` (each found table once, with the canary's index). */
export function tablesContaining(dump: Map<string, string>, canaries: readonly string[]): string[] {
  const found: string[] = [];
  for (const [table, text] of dump) {
    const hit = canaries.findIndex((canary) => text.includes(canary));
    if (hit >= 0) found.push(`${table} (canary ${hit})`);
  }
  return found;
}

/**
 * Dumps the gateway's ClickHouse once `expected` (an id the test's requests recorded, such as a key id) appears in
 * one of its tables: usage reaches ClickHouse asynchronously, and a scan before it lands would prove nothing.
 */
export async function waitForDump(
  gw: AdminGateway,
  expected: string,
  timeoutMs = 60_000,
): Promise<Map<string, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dump = await dumpClickHouse(gw.clickhouse.url);
    if ([...dump.values()].some((text) => text.includes(expected))) return dump;
    if (Date.now() > deadline) throw new Error(`"${expected}" did not reach ClickHouse within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
