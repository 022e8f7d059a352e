import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import { jetstreamManager } from "@nats-io/jetstream";
import { type NatsServer, startNats } from "@switchyard/launcher";
import { llm, policy } from "@switchyard/proto";
import { BUCKETS } from "./records.js";
import { admin, ask, type Replica, rejectsWith, startReplica } from "./testkit.js";

const m = policy.PolicyAdminService.method;
const { ErrorClass } = llm;
const { Decision } = policy;
const DAY = 86_400_000;

/** Every file below `dir`, read whole. */
async function readTree(dir: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await readTree(path)));
    else if (entry.isFile()) out.push(await readFile(path));
  }
  return out;
}

describe("admin API", () => {
  let nats: NatsServer;
  let replica: Replica;
  before(async () => {
    nats = await startNats();
    replica = await startReplica(nats.url);
  });
  after(async () => {
    await replica?.close();
    await nats?.stop();
  });

  it("shows a secret once, stores only its keyed hash, and regenerates it under the same id", async () => {
    const generated = await admin(replica.client, m.generateKey, { key: { keyAlias: "ci" } });
    const { secret, key } = generated;
    assert.match(secret, /^sk-[A-Za-z0-9_-]{43}$/);
    assert.match(key!.keyId, /^key_[0-9a-f]{16}$/);
    assert.equal(key!.keyName, `sk-...${secret.slice(-4)}`);
    assert.equal(replica.authorizer.authorize(ask(secret)).decision, Decision.ALLOW);

    const regenerated = await admin(replica.client, m.regenerateKey, { keyId: key!.keyId });
    assert.equal(regenerated.key?.keyId, key!.keyId);
    assert.notEqual(regenerated.secret, secret);
    assert.equal(replica.authorizer.authorize(ask(secret)).decision, Decision.DENY_UNAUTHENTICATED);
    assert.equal(replica.authorizer.authorize(ask(regenerated.secret)).decision, Decision.ALLOW);

    // Nothing but the create and regenerate responses ever carries a secret or a hash.
    const hash = replica.hasher.hash(regenerated.secret);
    const got = await admin(replica.client, m.getKey, { keyId: key!.keyId });
    const listed = await admin(replica.client, m.listKeys, { keyAlias: "ci" });
    for (const message of [
      toBinary(policy.GetKeyResponseSchema, got),
      toBinary(policy.ListKeysResponseSchema, listed),
    ]) {
      const bytes = Buffer.from(message);
      for (const needle of [secret, regenerated.secret, secret.slice(3), regenerated.secret.slice(3)]) {
        assert.equal(bytes.includes(needle), false);
      }
      assert.equal(bytes.includes(hash), false);
    }

    // The bucket holds the hash, never the secret: neither in the stored messages nor anywhere in the server's files.
    const jsm = await jetstreamManager(replica.nc);
    const stream = `KV_${BUCKETS.keys}`;
    const last = (await jsm.streams.info(stream)).state.last_seq;
    let sawHash = false;
    for (let seq = 1; seq <= last; seq++) {
      const stored = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!stored) continue;
      const bytes = Buffer.from(stored.data);
      sawHash ||= bytes.includes(hash);
      for (const s of [secret, regenerated.secret]) assert.equal(bytes.includes(s.slice(3)), false);
    }
    assert.ok(sawHash, "the scan reads the stored records");
    for (const file of await readTree(nats.dir)) {
      for (const s of [secret, regenerated.secret]) assert.equal(file.includes(s.slice(3)), false);
    }
  });

  it("finds keys by secret without ever echoing one", async () => {
    const { secret, key } = await admin(replica.client, m.generateKey, {});
    const updated = await admin(replica.client, m.updateKey, { secret, changes: { keyAlias: "by-secret" } });
    assert.equal(updated.key?.keyId, key!.keyId);
    assert.equal((await admin(replica.client, m.getKey, { secret })).key?.keyAlias, "by-secret");
    for (const wrong of [`${secret}x`, "' OR '1'='1", "sk-...".concat(secret.slice(-4))]) {
      const err = await rejectsWith(admin(replica.client, m.getKey, { secret: wrong }), ErrorClass.NOT_FOUND);
      assert.ok(!err.message.includes(wrong) && !err.message.includes(secret));
    }
    const huge = "s".repeat(1 << 20);
    const err = await rejectsWith(admin(replica.client, m.getKey, { secret: huge }), ErrorClass.INVALID_REQUEST);
    assert.ok(err.message.length < 200);
    assert.equal(err.detail.param, "secret");
    await rejectsWith(admin(replica.client, m.getKey, { keyId: key!.keyId, secret }), ErrorClass.INVALID_REQUEST);
    await rejectsWith(admin(replica.client, m.getKey, {}), ErrorClass.INVALID_REQUEST);
    await rejectsWith(admin(replica.client, m.deleteKeys, { secrets: [secret.slice(0, -1)] }), ErrorClass.NOT_FOUND);
    assert.deepEqual((await admin(replica.client, m.deleteKeys, { secrets: [secret] })).deletedKeyIds, [key!.keyId]);
    assert.equal(replica.authorizer.authorize(ask(secret)).decision, Decision.DENY_UNAUTHENTICATED);
  });

  it("refuses hostile and unbounded inputs with INVALID_REQUEST naming the field", async () => {
    const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const cases: [string, () => Promise<unknown>, string][] = [
      [
        "__proto__",
        () => admin(replica.client, m.generateKey, { key: { metadataJson: '{"__proto__":{"polluted":true}}' } }),
        "key.metadata_json",
      ],
      [
        "nested",
        () =>
          admin(replica.client, m.createTeam, {
            team: { metadataJson: '{"a":[{"b":{"constructor":{"prototype":{"x":1}}}}]}' },
          }),
        "team.metadata_json",
      ],
      ["array", () => admin(replica.client, m.createUser, { user: { metadataJson: "[1,2]" } }), "user.metadata_json"],
      [
        "big metadata",
        () =>
          admin(replica.client, m.generateKey, { key: { metadataJson: JSON.stringify({ x: "y".repeat(70_000) }) } }),
        "key.metadata_json",
      ],
      [
        "-1d budget",
        () => admin(replica.client, m.generateKey, { key: { limits: { budgetDuration: "-1d" } } }),
        "key.limits.budget_duration",
      ],
      ["-1d lifetime", () => admin(replica.client, m.generateKey, { key: { duration: "-1d" } }), "key.duration"],
      [
        "soft over max",
        () => admin(replica.client, m.createTeam, { team: { limits: { maxBudgetNanos: 1n, softBudgetNanos: 2n } } }),
        "team.limits.soft_budget_nanos",
      ],
      [
        "unknown clear",
        () => admin(replica.client, m.generateKey, { key: { clear: ["spend_nanos"] } }),
        "key.clear[0]",
      ],
      ["10k models", () => admin(replica.client, m.generateKey, { key: { models: many(10_000, "m") } }), "key.models"],
      ["injected team id", () => admin(replica.client, m.createTeam, { teamId: "' OR '1'='1" }), "team_id"],
      ["path team id", () => admin(replica.client, m.getTeam, { teamId: "../../etc/passwd" }), "team_id"],
      ["5k deletes", () => admin(replica.client, m.deleteKeys, { keyIds: many(5_000, "key_") }), "key_ids"],
      [
        "3k members",
        () => admin(replica.client, m.createTeam, { members: many(3_000, "u").map((userId) => ({ userId })) }),
        "members",
      ],
      ["page size", () => admin(replica.client, m.listKeys, { pageSize: 5_000 }), "page_size"],
      [
        "bogus role",
        () => admin(replica.client, m.createUser, { user: { userRole: 99 as policy.UserRole } }),
        "user.user_role",
      ],
      [
        "control chars",
        () => admin(replica.client, m.generateKey, { key: { keyAlias: "a\u0000b\nc" } }),
        "key.key_alias",
      ],
      ["unknown team", () => admin(replica.client, m.generateKey, { key: { teamId: "no-such-team" } }), "key.team_id"],
      ["unknown user", () => admin(replica.client, m.generateKey, { key: { userId: "nobody" } }), "key.user_id"],
      [
        "unknown member",
        () => admin(replica.client, m.createTeam, { members: [{ userId: "nobody" }] }),
        "members[0].user_id",
      ],
      ["user in unknown team", () => admin(replica.client, m.createUser, { teamIds: ["nowhere"] }), "team_ids[0]"],
      ["huge team id", () => admin(replica.client, m.createTeam, { teamId: "t".repeat(1 << 20) }), "team_id"],
    ];
    for (const [name, call, param] of cases) {
      const err = await rejectsWith(call(), ErrorClass.INVALID_REQUEST);
      assert.equal(err.detail.param, param, name);
      assert.ok(err.message.startsWith(param), `${name}: ${err.message}`);
      assert.ok(err.message.length < 300, name);
    }
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
    assert.equal((await admin(replica.client, m.listTeams, {})).teams.length, 0, "nothing was created");
  });

  it("sets budget windows and expiry from durations", async () => {
    const before = Date.now();
    const { key } = await admin(replica.client, m.generateKey, {
      key: { duration: "2d", limits: { maxBudgetNanos: 5_000_000_000n, budgetDuration: "30d" } },
    });
    const after = Date.now();
    const within = (value: bigint, offset: number) =>
      value >= BigInt(before + offset) && value <= BigInt(after + offset);
    assert.ok(within(key!.expiresAtMs, 2 * DAY));
    assert.ok(within(key!.budgetResetAtMs, 30 * DAY));
    assert.equal(key!.limits?.budgetDuration, "30d");
    const cleared = await admin(replica.client, m.updateKey, {
      keyId: key!.keyId,
      changes: { clear: ["budget_duration", "expires", "max_budget"] },
    });
    assert.deepEqual(
      [cleared.key?.expiresAtMs, cleared.key?.budgetResetAtMs, cleared.key?.limits?.maxBudgetNanos],
      [0n, 0n, undefined],
    );
  });

  it("creates users with a working key and derives their teams from team members", async () => {
    await admin(replica.client, m.createTeam, { teamId: "eng", team: { models: ["gpt-4o"] } });
    const created = await admin(replica.client, m.createUser, {
      userId: "carol@example.com",
      user: { userEmail: "carol@example.com" },
      teamIds: ["eng"],
      autoCreateKey: true,
    });
    assert.equal(created.user?.userRole, policy.UserRole.INTERNAL_USER);
    assert.deepEqual(created.user?.teamIds, ["eng"]);
    assert.equal(created.key?.userId, "carol@example.com");
    const res = replica.authorizer.authorize(ask(created.keySecret, "gpt-4o"));
    assert.deepEqual([res.decision, res.userId], [Decision.ALLOW, "carol@example.com"]);
    const team = await admin(replica.client, m.getTeam, { teamId: "eng" });
    assert.deepEqual(
      team.team?.members.map((mb) => [mb.userId, mb.role]),
      [["carol@example.com", policy.TeamRole.USER]],
    );
    const byTeam = await admin(replica.client, m.listUsers, { teamId: "eng" });
    assert.deepEqual([byTeam.totalCount, byTeam.users[0]?.userId], [1, "carol@example.com"]);
    const teams = await admin(replica.client, m.listTeams, { userId: "carol@example.com" });
    assert.deepEqual(
      teams.teams.map((t) => t.teamId),
      ["eng"],
    );
    await rejectsWith(
      admin(replica.client, m.createUser, { userId: "carol@example.com" }),
      ErrorClass.INVALID_REQUEST,
      /already exists/,
    );
  });

  it("deletes a team's keys with the team, and a user's keys and memberships with the user", async () => {
    await admin(replica.client, m.createUser, { userId: "dan" });
    await admin(replica.client, m.createTeam, { teamId: "ops", members: [{ userId: "dan" }] });
    const teamKey = await admin(replica.client, m.generateKey, { key: { teamId: "ops" } });
    const userKey = await admin(replica.client, m.generateKey, { key: { userId: "dan" } });
    await admin(replica.client, m.createTeam, { teamId: "ops2", members: [{ userId: "dan" }] });
    assert.deepEqual((await admin(replica.client, m.deleteTeams, { teamIds: ["ops"] })).deletedTeamIds, ["ops"]);
    await rejectsWith(admin(replica.client, m.getKey, { keyId: teamKey.key!.keyId }), ErrorClass.NOT_FOUND);
    assert.equal(replica.authorizer.authorize(ask(teamKey.secret)).decision, Decision.DENY_UNAUTHENTICATED);
    assert.equal(replica.authorizer.authorize(ask(userKey.secret)).decision, Decision.ALLOW);
    await admin(replica.client, m.deleteUsers, { userIds: ["dan"] });
    await rejectsWith(admin(replica.client, m.getKey, { keyId: userKey.key!.keyId }), ErrorClass.NOT_FOUND);
    assert.deepEqual((await admin(replica.client, m.getTeam, { teamId: "ops2" })).team?.members, []);
    await rejectsWith(admin(replica.client, m.deleteTeams, { teamIds: ["ops"] }), ErrorClass.NOT_FOUND);
  });

  it("pages keys newest first and manages customers", async () => {
    for (let i = 0; i < 5; i++) {
      await admin(replica.client, m.generateKey, { key: { keyAlias: "paged" } });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const first = await admin(replica.client, m.listKeys, { keyAlias: "paged", pageSize: 2 });
    const third = await admin(replica.client, m.listKeys, { keyAlias: "paged", pageSize: 2, page: 3 });
    assert.deepEqual([first.totalCount, first.totalPages, first.currentPage, first.keys.length], [5, 3, 1, 2]);
    assert.equal(third.keys.length, 1);
    assert.ok(first.keys[0]!.createdAtMs >= first.keys[1]!.createdAtMs);
    const deleted = await admin(replica.client, m.deleteKeys, { keyAliases: ["paged"] });
    assert.equal(deleted.deletedKeyIds.length, 5);

    const customer = await admin(replica.client, m.createCustomer, {
      userId: "end-user-1",
      customer: { alias: "acme", limits: { maxBudgetNanos: 10n } },
    });
    assert.equal(customer.customer?.alias, "acme");
    await admin(replica.client, m.updateCustomer, { userId: "end-user-1", changes: { blocked: true } });
    assert.equal((await admin(replica.client, m.getCustomer, { userId: "end-user-1" })).customer?.blocked, true);
    await admin(replica.client, m.deleteCustomers, { userIds: ["end-user-1"] });
    await rejectsWith(admin(replica.client, m.getCustomer, { userId: "end-user-1" }), ErrorClass.NOT_FOUND);
  });
});
