// The whole mesh on a NATS that requires credentials, as production NATS clusters do: the policy keeps keys and
// budgets in its KV buckets, the provider worker publishes usage, the metering service consumes it and writes live
// spend, all signed in (with a password, a token, or a token over mutual TLS); and no service writes the password or
// token to its log (every service logs at debug level).

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  type AdminGateway,
  type AdminGatewayOptions,
  clientFor,
  MODEL_A,
  ok,
  startAdminGateway,
  within,
} from "./admin-setup.js";
import { issueTestPki } from "./pki-setup.js";
import { MASTER_KEY } from "./setup.js";

const PASSWORD = "n4ts-p@ss:word/é";
const TOKEN = "n4ts-token-7f3a9c";

function suite(what: string, options: AdminGatewayOptions, secrets: readonly string[]): void {
  describe(`the mesh on a NATS that requires ${what}`, () => {
    let gw: AdminGateway;

    before(async () => {
      gw = await startAdminGateway(options);
    });
    after(() => gw?.stop());

    if (options.natsTls) {
      it("talks to a NATS that demands TLS and verifies every client's certificate", async () => {
        const varz = (await (await fetch(`${gw.nats.monitorUrl}/varz`)).json()) as Record<string, unknown>;
        assert.equal(varz.tls_required, true);
        assert.equal(varz.tls_verify, true);
      });
    }

    it("keeps keys in NATS, meters a request made with one and reports its spend", async () => {
      const master = clientFor(gw.mesh.restUrl, MASTER_KEY);
      const generated = ok(
        await master.post("/key/generate", { models: [MODEL_A], key_alias: "on-secured-nats" }),
        "generate",
      );
      const key = String(generated.key);
      const keyId = String(generated.key_id);
      const requestId = randomUUID();
      const reply = await clientFor(gw.mesh.restUrl, key).post(
        "/v1/chat/completions",
        { model: MODEL_A, messages: [{ role: "user", content: "hi" }] },
        { "x-request-id": requestId },
      );
      ok(reply, "chat with the new key");
      let rows: Array<Record<string, unknown>> = [];
      await within(60_000, async () => {
        const logs = await master.get(`/spend/logs?request_id=${requestId}`);
        rows = logs.status === 200 ? (logs.json as unknown as Array<Record<string, unknown>>) : [];
        return rows.length > 0;
      });
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.model_group, MODEL_A);
      // Live spend reaches the policy through the metering service's KV writes.
      await within(30_000, async () => {
        const info = await master.get(`/key/info?key=${keyId}`);
        const spend = (info.json.info as Record<string, unknown> | undefined)?.spend_nanos;
        return info.status === 200 && typeof spend === "string" && BigInt(spend) > 0n;
      });
    });

    it("writes no NATS credential to any service log", () => {
      assert.ok(gw.lines.length > 0);
      for (const secret of secrets) {
        const hits = gw.lines.filter((line) => line.includes(secret) || line.includes(encodeURIComponent(secret)));
        assert.deepEqual(hits, [], "a NATS credential reached a log");
      }
    });
  });
}

suite("a user and password (in SWITCHYARD_NATS_URL)", { natsAuth: { user: "switchyard", pass: PASSWORD } }, [PASSWORD]);
suite("a token (in SWITCHYARD_NATS_TOKEN)", { natsAuth: { token: TOKEN } }, [TOKEN]);
suite(
  "mutual TLS and a token (SWITCHYARD_NATS_TLS_CA, _CERT and _KEY)",
  { natsAuth: { token: TOKEN }, natsTls: issueTestPki() },
  [TOKEN],
);
