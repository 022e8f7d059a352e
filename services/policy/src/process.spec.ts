// The real policy process: two replicas on one nats-server, called over Connect as the ingress and an admin would.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { freePorts, type NatsServer, startNats } from "@switchyard/launcher";
import { killOnParentExit } from "@switchyard/launcher/orphans";
import { llm, policy } from "@switchyard/proto";
import { connect } from "@switchyard/runtime";
import { NO_STORE_MESSAGE } from "./admin.js";
import { admin, HASH_SECRET, MASTER, rejectsWith, until } from "./testkit.js";

const m = policy.PolicyAdminService.method;
const { Decision } = policy;
const MAIN = fileURLToPath(new URL("./main.js", import.meta.url));
const CONFIG = `model_list:
  - model_name: cheap-model
    litellm_params: { model: mock/cheap }
    model_info: { access_groups: [cheap] }
  - model_name: big-model
    litellm_params: { model: mock/big }
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`;

/** A running policy process. */
interface PolicyProcess {
  readonly client: connect.ConnectClient;
  readonly httpUrl: string;
  output(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

function spawnPolicy(env: Record<string, string>): Promise<PolicyProcess> {
  return freePorts(2).then(([http, grpc]) => {
    const child: ChildProcess = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? "",
        LOG_LEVEL: "debug",
        SWITCHYARD_HTTP_ADDR: `127.0.0.1:${http}`,
        SWITCHYARD_GRPC_ADDR: `127.0.0.1:${grpc}`,
        SWITCHYARD_MASTER_KEY: MASTER,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    killOnParentExit(child);
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const client = connect.createConnectClient(`127.0.0.1:${http}`);
    return {
      client,
      httpUrl: `http://127.0.0.1:${http}`,
      output: () => output,
      exited,
      async stop() {
        await client.close();
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
      },
    };
  });
}

async function ready(p: PolicyProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await fetch(`${p.httpUrl}/readyz`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`policy not ready:\n${p.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function authorize(p: PolicyProcess, credential: string, model = ""): Promise<policy.AuthorizeResponse> {
  const request = create(policy.AuthorizeRequestSchema, { credential, model });
  return (await connect.callUnary(p.client, policy.PolicyService.method.authorize, request)).value;
}

/** Authorizes until the replica (which learns of changes through its KV watch) allows, for at most 5 s. */
async function allowedOn(p: PolicyProcess, credential: string, model: string): Promise<policy.AuthorizeResponse> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const res = await authorize(p, credential, model);
    if (res.decision === Decision.ALLOW || Date.now() > deadline) return res;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("policy process", () => {
  let nats: NatsServer;
  let dir: string;
  let env: Record<string, string>;
  const running: PolicyProcess[] = [];
  before(async () => {
    nats = await startNats();
    dir = await mkdtemp(join(tmpdir(), "switchyard-policy-"));
    await writeFile(join(dir, "config.yaml"), CONFIG);
    env = {
      SWITCHYARD_CONFIG: join(dir, "config.yaml"),
      SWITCHYARD_NATS_URL: nats.url,
      SWITCHYARD_KEY_HASH_SECRET: HASH_SECRET,
    };
  });
  after(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await nats?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (extra: Record<string, string> = env) => {
    const p = await spawnPolicy(extra);
    running.push(p);
    await ready(p);
    return p;
  };

  it("manages keys on one replica, authorizes and invalidates on the other, and rides out a NATS outage", async () => {
    const [one, two] = await Promise.all([start(), start()]);
    await admin(one.client, m.createTeam, { teamId: "red" });
    const { secret, key } = await admin(one.client, m.generateKey, { key: { teamId: "red", models: ["cheap"] } });
    const keyId = key!.keyId;
    const res = await allowedOn(two, secret, "cheap-model");
    assert.deepEqual([res.decision, res.keyId, res.teamId], [Decision.ALLOW, keyId, "red"]);
    const forbidden = await authorize(two, secret, "big-model");
    assert.equal(forbidden.decision, Decision.DENY_FORBIDDEN);
    assert.match(forbidden.reason, /"big-model"/);
    assert.equal((await authorize(two, MASTER, "big-model")).isAdmin, true);

    // An ingress watching replica two hears of a block made through replica one within a second.
    const seen: { at: number; ids: string[] }[] = [];
    const stream = connect.callStream(
      two.client,
      policy.PolicyService.method.watchInvalidations,
      create(policy.WatchInvalidationsRequestSchema),
    );
    const watching = (async () => {
      try {
        for await (const msg of stream) seen.push({ at: Date.now(), ids: msg.keyIds });
      } catch {
        // cancelled below
      }
    })();
    assert.ok(await until(() => seen.length > 0));
    const changed = Date.now();
    await admin(one.client, m.setKeyBlocked, { keyId, blocked: true });
    assert.ok(await until(() => seen.some((s) => s.ids.includes(keyId)), 1_000), "invalidation within 1 s");
    assert.equal((await authorize(two, secret, "cheap-model")).decision, Decision.DENY_UNAUTHENTICATED);
    assert.ok(seen.find((s) => s.ids.includes(keyId))!.at - changed < 1_000);
    stream.cancel();
    await watching;
    await admin(one.client, m.setKeyBlocked, { keyId, blocked: false });
    await allowedOn(two, secret, "cheap-model");

    // NATS goes away: known keys keep working on both replicas, writes fail as unavailable, never as 401.
    await nats.kill("SIGKILL");
    for (const p of [one, two]) {
      assert.equal((await authorize(p, secret, "cheap-model")).decision, Decision.ALLOW);
    }
    await rejectsWith(admin(one.client, m.generateKey, {}), llm.ErrorClass.UNAVAILABLE, /NATS/);
    await nats.restart();

    // Secrets, hashes and the master key never reach the logs.
    for (const p of [one, two]) {
      const logs = p.output();
      assert.match(logs, /"listening"/);
      for (const needle of [secret, secret.slice(3), MASTER, HASH_SECRET]) assert.equal(logs.includes(needle), false);
    }
  });

  it("runs master-key-only without NATS and refuses admin calls as unavailable", async () => {
    const p = await start({ SWITCHYARD_CONFIG: env.SWITCHYARD_CONFIG! });
    assert.equal((await authorize(p, MASTER)).decision, Decision.ALLOW);
    assert.equal((await authorize(p, "sk-unknown")).decision, Decision.DENY_UNAUTHENTICATED);
    const err = await rejectsWith(admin(p.client, m.generateKey, {}), llm.ErrorClass.UNAVAILABLE);
    assert.equal(err.message, NO_STORE_MESSAGE);
  });

  it("refuses to start with NATS but without a strong hash secret", async () => {
    const p = await spawnPolicy({ ...env, SWITCHYARD_KEY_HASH_SECRET: "short" });
    running.push(p);
    assert.equal(await p.exited, 1);
    assert.match(p.output(), /SWITCHYARD_KEY_HASH_SECRET/);
    assert.equal(p.output().includes("short"), false);
  });
});
