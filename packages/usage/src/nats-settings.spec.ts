import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { type NatsServer, startNats } from "@switchyard/launcher";
import { metering } from "@switchyard/proto";
import { readNatsSettings } from "./nats-settings.js";
import { readUsagePublisherEnv } from "./options.js";
import { UsagePublisher } from "./publisher.js";
import { deleteUsageStream, readUsageStream } from "./testkit.js";

// Two test-only user NKEYs (generated for this spec; they sign nothing anywhere else).
const USERS = [
  {
    seed: "SUAIBXQL3LVL32N2HJNIZOKU2V6MXB57JQD7RCDXCXRNAK73UCZZO2TIL4",
    key: "UAGZUAQOCPETOT2CY2XS63WGP6Q54APXOZOP3IFQ77BVJN3I5V3YU5VZ",
  },
  {
    seed: "SUACX3YFCVBOBDQLWGISGYGMIHBIDFCJ4IXGFZKXFFGGOQNHMDLRBQ5IQI",
    key: "UB32HTPMOYJQGUWZ5BP3VD5C36T7WYNSZGRUHPUNUORMJPBBCJAYVJXW",
  },
];

/** A .creds file as nsc writes it. */
function credsFile(jwt: string, seed: string): string {
  return `-----BEGIN NATS USER JWT-----
${jwt}
------END NATS USER JWT------

************************* IMPORTANT *************************
NKEY Seed printed below can be used to sign and prove identity.

-----BEGIN USER NKEY SEED-----
${seed}
------END USER NKEY SEED------
`;
}

const SECRET = "p@ss:w/rd é";

/** A publisher log that keeps every line, to prove no secret reaches it. */
function recordingLog(lines: string[]) {
  const keep = (o: object, m?: string) => {
    lines.push(JSON.stringify([o, m]));
  };
  return { debug: keep, info: keep, warn: keep, error: keep };
}

/** Asserts `fn` throws a message matching `pattern` that does not contain `secret`. */
function assertFails(fn: () => unknown, pattern: RegExp, secret = SECRET): void {
  assert.throws(fn, (err: Error) => {
    assert.match(err.message, pattern);
    assert.ok(!err.message.includes(secret), `the message repeats a secret: ${err.message}`);
    return true;
  });
}

describe("NATS settings", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "nats-settings-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("takes a user and password from the URLs and keeps them out of the server list", () => {
    const encoded = encodeURIComponent(SECRET);
    const s = readNatsSettings({ SWITCHYARD_NATS_URL: `nats://alice:${encoded}@a:4222, nats://alice:${encoded}@b` });
    assert.deepEqual(s.servers, ["nats://a:4222", "nats://b"]);
    assert.deepEqual(s.auth, { user: "alice", pass: SECRET });
    assert.equal(s.method, "user");
    assert.ok(!JSON.stringify(s.servers).includes("alice"));
  });

  it("reads a URL with only a user part as a token, as the NATS CLI does", () => {
    const s = readNatsSettings({ SWITCHYARD_NATS_URL: "nats://s3cr3t-token@a:4222" });
    assert.deepEqual(s.auth, { token: "s3cr3t-token" });
    assert.deepEqual(s.servers, ["nats://a:4222"]);
  });

  it("takes credentials from their own variables, and nothing when none is set", () => {
    const url = { SWITCHYARD_NATS_URL: "nats://a:4222" };
    assert.deepEqual(readNatsSettings({ ...url, SWITCHYARD_NATS_USER: "bob", SWITCHYARD_NATS_PASSWORD: SECRET }).auth, {
      user: "bob",
      pass: SECRET,
    });
    assert.deepEqual(readNatsSettings({ ...url, SWITCHYARD_NATS_TOKEN: "t" }).auth, { token: "t" });
    const none = readNatsSettings(url);
    assert.deepEqual([none.auth, none.method], [{}, "none"]);
    assert.deepEqual(readNatsSettings({}).servers, []);
  });

  it("signs with a credentials file, read again at every connect so a rotated secret is picked up", () => {
    const path = join(dir, "user.creds");
    writeFileSync(path, credsFile("eyJ0eXAiOiJKV1QifQ.first", USERS[0]?.seed ?? ""));
    const s = readNatsSettings({ SWITCHYARD_NATS_URL: "tls://connect.ngs.global", SWITCHYARD_NATS_CREDS: path });
    assert.equal(s.method, "creds+tls");
    assert.deepEqual(s.auth.tls, {}, "a tls:// URL requires TLS");
    const sign = s.auth.authenticator as (nonce?: string) => { jwt?: string; nkey?: string; sig?: string };
    const first = sign("nonce-1");
    assert.equal(first.jwt, "eyJ0eXAiOiJKV1QifQ.first");
    assert.equal(first.nkey, USERS[0]?.key);
    assert.ok(first.sig && first.sig.length > 40, "the nonce is signed");
    writeFileSync(path, credsFile("eyJ0eXAiOiJKV1QifQ.second", USERS[1]?.seed ?? ""));
    const second = sign("nonce-2");
    assert.deepEqual([second.jwt, second.nkey], ["eyJ0eXAiOiJKV1QifQ.second", USERS[1]?.key]);
    rmSync(path);
    assert.equal(sign("nonce-3").jwt, "eyJ0eXAiOiJKV1QifQ.second", "the last good copy while the file is away");
  });

  it("sets TLS from a CA and a client certificate, checking the files at startup", () => {
    const ca = join(dir, "ca.pem");
    const cert = join(dir, "client.pem");
    const key = join(dir, "client-key.pem");
    for (const f of [ca, cert, key]) writeFileSync(f, "-----BEGIN CERTIFICATE-----\n");
    const s = readNatsSettings({
      SWITCHYARD_NATS_URL: "nats://a:4222",
      SWITCHYARD_NATS_TLS_CA: ca,
      SWITCHYARD_NATS_TLS_CERT: cert,
      SWITCHYARD_NATS_TLS_KEY: key,
    });
    assert.deepEqual(s.auth.tls, { caFile: ca, certFile: cert, keyFile: key });
    assert.equal(s.method, "none+tls");
    assertFails(
      () => readNatsSettings({ SWITCHYARD_NATS_URL: "nats://a", SWITCHYARD_NATS_TLS_CA: join(dir, "missing.pem") }),
      /SWITCHYARD_NATS_TLS_CA: cannot read ".*missing.pem" \(ENOENT\)/,
    );
    assertFails(
      () => readNatsSettings({ SWITCHYARD_NATS_URL: "nats://a", SWITCHYARD_NATS_TLS_CERT: cert }),
      /SWITCHYARD_NATS_TLS_CERT and SWITCHYARD_NATS_TLS_KEY: set both or neither/,
    );
  });

  it("fails naming the variable at fault, never repeating a secret", () => {
    const encoded = encodeURIComponent(SECRET);
    assertFails(
      () => readNatsSettings({ SWITCHYARD_NATS_URL: `http://u:${encoded}@a` }),
      /URL 1 is not a nats:\/\/ or tls:\/\//,
      encoded,
    );
    assertFails(
      () => readNatsSettings({ SWITCHYARD_NATS_URL: `nats://a, nats://u:${encoded}@` }),
      /URL 2 is not/,
      encoded,
    );
    assertFails(
      () => readNatsSettings({ SWITCHYARD_NATS_URL: `nats://u:${encoded}@a/x` }),
      /URL 1 has a path/,
      encoded,
    );
    assertFails(
      () => readNatsSettings({ SWITCHYARD_NATS_URL: `nats://u:${encoded}@a, nats://u:other@b` }),
      /carry different credentials/,
      encoded,
    );
    assertFails(
      () => readNatsSettings({ SWITCHYARD_NATS_URL: "nats://u:%E0%A4%A@a" }),
      /password of URL 1 is not valid percent-encoding/,
    );
    assertFails(
      () => readNatsSettings({ SWITCHYARD_NATS_URL: "nats://a", SWITCHYARD_NATS_USER: "u" }),
      /SWITCHYARD_NATS_USER and SWITCHYARD_NATS_PASSWORD: set both or neither/,
    );
    assertFails(
      () =>
        readNatsSettings({
          SWITCHYARD_NATS_URL: `nats://u:${encoded}@a`,
          SWITCHYARD_NATS_TOKEN: SECRET,
        }),
      /expected one way to sign in, got credentials in SWITCHYARD_NATS_URL and SWITCHYARD_NATS_TOKEN/,
    );
    assertFails(
      () => readNatsSettings({ SWITCHYARD_NATS_URL: "nats://a", SWITCHYARD_NATS_CREDS: join(dir, "none.creds") }),
      /SWITCHYARD_NATS_CREDS: cannot read ".*none.creds" \(ENOENT\)/,
    );
    const notCreds = join(dir, "not.creds");
    writeFileSync(notCreds, SECRET);
    assertFails(
      () => readNatsSettings({ SWITCHYARD_NATS_URL: "nats://a", SWITCHYARD_NATS_CREDS: notCreds }),
      /is not a NATS credentials file/,
    );
  });
});

describe("usage publisher on a NATS that requires a password", () => {
  let nats: NatsServer;
  const auth = { user: "gateway", pass: SECRET };
  const url = () => nats.url.replace("nats://", `nats://gateway:${encodeURIComponent(SECRET)}@`);

  before(async () => {
    nats = await startNats({ auth });
  });
  after(() => nats?.stop());

  it("publishes with the credentials from SWITCHYARD_NATS_URL", async () => {
    await deleteUsageStream(nats.url, auth);
    const lines: string[] = [];
    const log = recordingLog(lines);
    const publisher = new UsagePublisher({ ...readUsagePublisherEnv({ SWITCHYARD_NATS_URL: url() }), log }).start();
    publisher.publish(create(metering.UsageEventSchema, { eventId: "authed-1", requestId: "r", operation: "chat" }));
    assert.equal((await publisher.close(10_000)).remaining, 0, "the event is acknowledged");
    assert.deepEqual(
      (await readUsageStream(nats.url, auth)).map((m) => m.event.eventId),
      ["authed-1"],
    );
    assert.ok(!lines.some((l) => l.includes(SECRET) || l.includes(encodeURIComponent(SECRET))));
  });

  it("keeps the event and never logs the password when the password is wrong", async () => {
    const lines: string[] = [];
    const log = recordingLog(lines);
    const wrong = `wrong-${SECRET}`;
    const env = { SWITCHYARD_NATS_URL: nats.url, SWITCHYARD_NATS_USER: "gateway", SWITCHYARD_NATS_PASSWORD: wrong };
    const publisher = new UsagePublisher({ ...readUsagePublisherEnv(env), log, reconnectWaitMs: 50 }).start();
    try {
      publisher.publish(create(metering.UsageEventSchema, { eventId: "authed-2", requestId: "r", operation: "chat" }));
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const stats = publisher.stats();
      assert.deepEqual([stats.connected, stats.pending, stats.dropped], [false, 1, 0], "held, not dropped");
    } finally {
      await publisher.close(100);
    }
    assert.ok(lines.length > 0, "the failure is logged");
    assert.ok(!lines.some((l) => l.includes(wrong)), lines.join("\n"));
  });
});
