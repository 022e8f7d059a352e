import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { type NatsServer, startNats } from "@switchyard/launcher";
import { llm, policy } from "@switchyard/proto";
import { connect, GatewayError } from "@switchyard/runtime";
import { admin, MASTER, type Org, type Replica, rejectsWith, seedOrg, startReplica } from "./testkit.js";

const m = policy.PolicyAdminService.method;
const { ErrorClass } = llm;

/** The callers of the matrix, in column order. */
const CALLERS = ["master", "root", "viewer", "lead", "dev", "plain", "none", "bogus"] as const;
type CallerName = (typeof CALLERS)[number];

describe("admin authorization", () => {
  let nats: NatsServer;
  let replica: Replica;
  let org: Org;
  let n = 0;
  before(async () => {
    nats = await startNats();
    replica = await startReplica(nats.url);
    org = await seedOrg(replica.client);
    // A plain internal user for the membership row (a team admin may add only users within its reach).
    await admin(replica.client, m.createUser, { userId: "joiner", user: { userRole: policy.UserRole.INTERNAL_USER } });
  });
  after(async () => {
    await replica?.close();
    await nats?.stop();
  });

  const credential = (who: CallerName): string | null => {
    if (who === "master") return MASTER;
    if (who === "none") return null;
    if (who === "bogus") return "sk-not-a-key";
    return org.secrets[who];
  };

  /** Runs an operation as `who`: "+" for success, "P" for PERMISSION_DENIED, "A" for AUTH. */
  const outcome = async (op: (cred: string | null) => Promise<unknown>, who: CallerName): Promise<string> => {
    try {
      await op(credential(who));
      return "+";
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      if (err.errorClass === ErrorClass.PERMISSION_DENIED) return "P";
      if (err.errorClass === ErrorClass.AUTH) return "A";
      return `?${err.message}`;
    }
  };

  // Columns: master, root (proxy admin), viewer, lead (admin of red), dev (member of red), plain (key without user),
  // none (no header), bogus (unknown key).
  const matrix: [string, string, (cred: string | null) => Promise<unknown>][] = [
    ["GenerateKey in own team", "++P+PPAA", (c) => admin(replica.client, m.generateKey, { key: { teamId: "red" } }, c)],
    [
      "GenerateKey in other team",
      "++PPPPAA",
      (c) => admin(replica.client, m.generateKey, { key: { teamId: "blue" } }, c),
    ],
    ["GenerateKey without team", "++PPPPAA", (c) => admin(replica.client, m.generateKey, {}, c)],
    [
      "UpdateKey of own team",
      "++P+PPAA",
      (c) => admin(replica.client, m.updateKey, { keyId: org.keyIds.dev, changes: { keyAlias: "dev" } }, c),
    ],
    [
      "UpdateKey of other team",
      "++PPPPAA",
      (c) => admin(replica.client, m.updateKey, { keyId: org.keyIds.outsider, changes: { keyAlias: "outsider" } }, c),
    ],
    [
      "SetKeyBlocked of other team",
      "++PPPPAA",
      (c) => admin(replica.client, m.setKeyBlocked, { keyId: org.keyIds.outsider, blocked: false }, c),
    ],
    ["GetKey of own team", "++++PPAA", (c) => admin(replica.client, m.getKey, { keyId: org.keyIds.dev }, c)],
    ["GetKey of other team", "+++PPPAA", (c) => admin(replica.client, m.getKey, { keyId: org.keyIds.outsider }, c)],
    ["ListKeys", "++++PPAA", (c) => admin(replica.client, m.listKeys, {}, c)],
    ["ListKeys of other team", "+++PPPAA", (c) => admin(replica.client, m.listKeys, { teamId: "blue" }, c)],
    ["GetTeam own", "++++PPAA", (c) => admin(replica.client, m.getTeam, { teamId: "red" }, c)],
    ["GetTeam other", "+++PPPAA", (c) => admin(replica.client, m.getTeam, { teamId: "blue" }, c)],
    ["ListTeams", "++++PPAA", (c) => admin(replica.client, m.listTeams, {}, c)],
    ["CreateTeam", "++PPPPAA", (c) => admin(replica.client, m.createTeam, { teamId: `t${++n}` }, c)],
    [
      "UpdateTeam own",
      "++PPPPAA",
      (c) => admin(replica.client, m.updateTeam, { teamId: "red", changes: { teamAlias: "red" } }, c),
    ],
    [
      "AddTeamMembers own",
      "++P+PPAA",
      (c) => admin(replica.client, m.addTeamMembers, { teamId: "red", members: [{ userId: "joiner" }] }, c),
    ],
    [
      "AddTeamMembers other",
      "++PPPPAA",
      (c) => admin(replica.client, m.addTeamMembers, { teamId: "blue", members: [{ userId: "dev" }] }, c),
    ],
    [
      "RemoveTeamMembers own",
      "++P+PPAA",
      (c) => admin(replica.client, m.removeTeamMembers, { teamId: "red", userIds: ["viewer"] }, c),
    ],
    ["CreateUser", "++PPPPAA", (c) => admin(replica.client, m.createUser, { userId: `u${++n}` }, c)],
    [
      "UpdateUser",
      "++PPPPAA",
      (c) => admin(replica.client, m.updateUser, { userId: "outsider", changes: { userEmail: "o@example.com" } }, c),
    ],
    ["GetUser", "+++PPPAA", (c) => admin(replica.client, m.getUser, { userId: "dev" }, c)],
    ["ListUsers", "+++PPPAA", (c) => admin(replica.client, m.listUsers, {}, c)],
    ["CreateCustomer", "++PPPPAA", (c) => admin(replica.client, m.createCustomer, { userId: `c${++n}` }, c)],
    ["GetCustomer", "+++PPPAA", (c) => admin(replica.client, m.getCustomer, { userId: "c-known" }, c)],
  ];

  it("lets each role do exactly what it may", async () => {
    await admin(replica.client, m.createCustomer, { userId: "c-known" });
    const failures: string[] = [];
    for (const [name, expected, op] of matrix) {
      let got = "";
      for (const who of CALLERS) got += await outcome(op, who);
      if (got !== expected) failures.push(`${name}: expected ${expected}, got ${got}`);
    }
    assert.deepEqual(failures, []);
  });

  it("shows a team admin only its own team's keys and teams", async () => {
    const keys = await admin(replica.client, m.listKeys, { pageSize: 1000 }, org.secrets.lead);
    assert.ok(keys.keys.length > 0);
    assert.ok(keys.keys.every((k) => k.teamId === "red"));
    const teams = await admin(replica.client, m.listTeams, {}, org.secrets.lead);
    assert.deepEqual(
      teams.teams.map((t) => t.teamId),
      ["red"],
    );
  });

  it("never lets a user grant itself a role", async () => {
    for (const who of ["dev", "lead", "viewer"] as const) {
      await rejectsWith(
        admin(
          replica.client,
          m.updateUser,
          { userId: who, changes: { userRole: policy.UserRole.PROXY_ADMIN } },
          org.secrets[who],
        ),
        ErrorClass.PERMISSION_DENIED,
      );
    }
    const dev = await admin(replica.client, m.getUser, { userId: "dev" });
    assert.equal(dev.user?.userRole, policy.UserRole.INTERNAL_USER);
    const lead = await admin(replica.client, m.getUser, { userId: "lead" });
    assert.equal(lead.user?.userRole, policy.UserRole.INTERNAL_USER);
  });

  it("never lets a team admin move a key out of its team", async () => {
    const lead = org.secrets.lead;
    for (const changes of [{ teamId: "blue" }, { clear: ["team_id"] }, { teamId: "nonexistent" }]) {
      await assert.rejects(admin(replica.client, m.updateKey, { keyId: org.keyIds.dev, changes }, lead));
    }
    await rejectsWith(
      admin(replica.client, m.updateKey, { keyId: org.keyIds.dev, changes: { teamId: "blue" } }, lead),
      ErrorClass.PERMISSION_DENIED,
    );
    await rejectsWith(
      admin(replica.client, m.regenerateKey, { keyId: org.keyIds.dev, changes: { teamId: "blue" } }, lead),
      ErrorClass.PERMISSION_DENIED,
    );
    const key = await admin(replica.client, m.getKey, { keyId: org.keyIds.dev });
    assert.equal(key.key?.teamId, "red");
  });

  it("never lets a team admin raise a key's limits above the team's", async () => {
    const lead = org.secrets.lead;
    const over = [{ maxBudgetNanos: 101n }, { rpmLimit: 11 }];
    for (const limits of over) {
      await rejectsWith(
        admin(replica.client, m.generateKey, { key: { teamId: "red", limits } }, lead),
        ErrorClass.PERMISSION_DENIED,
        /team's limit/,
      );
      await rejectsWith(
        admin(replica.client, m.updateKey, { keyId: org.keyIds.dev, changes: { limits } }, lead),
        ErrorClass.PERMISSION_DENIED,
      );
    }
    const within = await admin(
      replica.client,
      m.generateKey,
      { key: { teamId: "red", limits: { maxBudgetNanos: 100n, rpmLimit: 5 } } },
      lead,
    );
    assert.equal(within.key?.limits?.maxBudgetNanos, 100n);
    assert.equal(within.key?.createdBy, "lead");
    // Proxy admins are not bound by it: the team's limits still apply to every request through the key.
    await admin(replica.client, m.updateKey, { keyId: within.key!.keyId, changes: { limits: { rpmLimit: 50 } } });
  });

  it("never lets a team admin assign keys to users outside its team", async () => {
    await rejectsWith(
      admin(replica.client, m.generateKey, { key: { teamId: "red", userId: "outsider" } }, org.secrets.lead),
      ErrorClass.PERMISSION_DENIED,
      /members of their team/,
    );
    const own = await admin(replica.client, m.generateKey, { key: { teamId: "red", userId: "dev" } }, org.secrets.lead);
    assert.equal(own.key?.userId, "dev");
  });

  it("resolves aliases and secrets only within what a team admin may manage", async () => {
    await rejectsWith(
      admin(replica.client, m.deleteKeys, { keyAliases: ["outsider"] }, org.secrets.lead),
      ErrorClass.NOT_FOUND,
    );
    await rejectsWith(
      admin(replica.client, m.deleteKeys, { secrets: [org.secrets.outsider] }, org.secrets.lead),
      ErrorClass.PERMISSION_DENIED,
    );
    await rejectsWith(
      admin(replica.client, m.deleteKeys, { keyIds: [org.keyIds.dev, org.keyIds.outsider] }, org.secrets.lead),
      ErrorClass.PERMISSION_DENIED,
    );
    // All or nothing: the key of its own team named with the forbidden one is still there.
    await admin(replica.client, m.getKey, { keyId: org.keyIds.dev });
    await admin(replica.client, m.getKey, { keyId: org.keyIds.outsider });
  });

  it("refuses blocked admins and admins whose key is blocked", async () => {
    const res = await admin(replica.client, m.createUser, {
      userId: "temp-admin",
      user: { userRole: policy.UserRole.PROXY_ADMIN },
      autoCreateKey: true,
    });
    await admin(replica.client, m.getTeam, { teamId: "red" }, res.keySecret);
    await admin(replica.client, m.updateUser, { userId: "temp-admin", changes: { blocked: true } });
    await rejectsWith(
      admin(replica.client, m.getTeam, { teamId: "red" }, res.keySecret),
      ErrorClass.AUTH,
      /user is blocked/,
    );
    await admin(replica.client, m.updateUser, { userId: "temp-admin", changes: { blocked: false } });
    await admin(replica.client, m.setKeyBlocked, { keyId: res.key!.keyId, blocked: true });
    await rejectsWith(admin(replica.client, m.getTeam, { teamId: "red" }, res.keySecret), ErrorClass.AUTH, /blocked/);
  });

  it("reads the credential only from a Bearer authorization header", async () => {
    for (const authorization of [`Basic ${MASTER}`, "Bearer", `Bearer ${MASTER} extra`, MASTER]) {
      const request = create(m.getTeam.input, { teamId: "red" });
      await rejectsWith(
        connect.callUnary(replica.client, m.getTeam, request, { headers: { authorization } }),
        ErrorClass.AUTH,
      );
    }
    const lenient = { headers: { authorization: `bearer \t${MASTER}` } };
    await connect.callUnary(replica.client, m.getTeam, create(m.getTeam.input, { teamId: "red" }), lenient);
  });
  it("never lets a team admin reach a user with more authority (member_add, then mint or regenerate their key)", async () => {
    const { TeamRole, UserRole } = policy;
    const c = replica.client;
    const DENIED = ErrorClass.PERMISSION_DENIED;
    await admin(c, m.createUser, { userId: "boss", user: { userRole: UserRole.PROXY_ADMIN } });
    await admin(c, m.createUser, { userId: "green-lead", user: { userRole: UserRole.INTERNAL_USER } });
    await admin(c, m.createUser, { userId: "purple-lead", user: { userRole: UserRole.INTERNAL_USER } });
    await admin(c, m.createTeam, { teamId: "green", members: [{ userId: "green-lead", role: TeamRole.ADMIN }] });
    await admin(c, m.createTeam, { teamId: "purple", members: [{ userId: "purple-lead", role: TeamRole.ADMIN }] });
    const own = await admin(c, m.generateKey, { key: { teamId: "purple", userId: "purple-lead" } });
    const lead = own.secret;
    // It cannot bring a proxy admin, or the admin of another team, into its team...
    for (const userId of ["boss", "green-lead"]) {
      await rejectsWith(
        admin(c, m.addTeamMembers, { teamId: "purple", members: [{ userId }] }, lead),
        DENIED,
        /more authority/,
      );
    }
    // ...and once an admin has put them there, it still cannot mint, take over or re-point keys to them.
    await admin(c, m.addTeamMembers, { teamId: "purple", members: [{ userId: "boss" }, { userId: "green-lead" }] });
    for (const userId of ["boss", "green-lead"]) {
      await rejectsWith(admin(c, m.generateKey, { key: { teamId: "purple", userId } }, lead), DENIED, /more authority/);
      await rejectsWith(
        admin(c, m.updateKey, { keyId: own.key!.keyId, changes: { userId } }, lead),
        DENIED,
        /more authority/,
      );
    }
    const bossKey = (await admin(c, m.generateKey, { key: { teamId: "purple", userId: "boss" } })).key!.keyId;
    await rejectsWith(admin(c, m.regenerateKey, { keyId: bossKey }, lead), DENIED, /more authority/);
    await rejectsWith(admin(c, m.setKeyBlocked, { keyId: bossKey, blocked: true }, lead), DENIED, /more authority/);
    await rejectsWith(
      admin(c, m.updateUser, { userId: "purple-lead", changes: { userRole: UserRole.PROXY_ADMIN } }, lead),
      DENIED,
    );
    // Its own members stay within reach.
    await admin(c, m.createUser, { userId: "purple-dev", user: { userRole: UserRole.INTERNAL_USER } });
    await admin(c, m.addTeamMembers, { teamId: "purple", members: [{ userId: "purple-dev" }] }, lead);
    const dev = await admin(c, m.generateKey, { key: { teamId: "purple", userId: "purple-dev" } }, lead);
    assert.equal(dev.key?.userId, "purple-dev");
  });
});
