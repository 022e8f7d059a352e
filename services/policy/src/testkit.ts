// Shared by the policy specs: replicas of the policy (store, authorizer, Connect server) on a real nats-server,
// admin calls over Connect with a bearer credential, and assertions on classified errors.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { create, type DescMethod, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { type NatsConnection, connect as natsConnect } from "@nats-io/transport-node";
import type { Deployment } from "@switchyard/config";
import { llm, policy } from "@switchyard/proto";
import { connect, createLogger, GatewayError } from "@switchyard/runtime";
import { adminRoutes } from "./admin.js";
import { type Authorizer, createAuthorizer } from "./authorizer.js";
import { createKeyHasher, type KeyHasher } from "./credentials.js";
import { createModelAccess } from "./models.js";
import { createResolver } from "./principal.js";
import { policyRoutes, type Watchers } from "./server.js";
import { openStore, type PolicyStore } from "./store.js";

/** The master key of every spec replica. */
export const MASTER = "sk-master-for-specs";
/** The hash secret of every spec replica. */
export const HASH_SECRET = "spec-hash-secret-0123456789abcdefghijklmnop";
/** A logger that stays quiet unless a spec is debugged with LOG_LEVEL. */
export const testLog = createLogger("policy-test", process.env.LOG_LEVEL ?? "silent");

/** One policy replica with its own NATS connection, served over Connect on a loopback port. */
export interface Replica {
  readonly nc: NatsConnection;
  readonly store: PolicyStore;
  readonly hasher: KeyHasher;
  readonly authorizer: Authorizer;
  readonly watchers: Watchers;
  readonly client: connect.ConnectClient;
  close(): Promise<void>;
}

/** A deployment declaring access groups, for model-list specs. */
export function deployment(modelName: string, accessGroups: string[] = []): Deployment {
  return {
    id: `${modelName}/0`,
    modelName,
    provider: "mock",
    model: modelName,
    weight: 1,
    tags: [],
    modelInfo: accessGroups.length > 0 ? { access_groups: accessGroups } : {},
    params: {},
    source: "model_list[0]",
  };
}

/** Starts a replica on `natsUrl`. */
export async function startReplica(natsUrl: string, deployments: Deployment[] = []): Promise<Replica> {
  const nc = await natsConnect({ servers: natsUrl, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const store = await openStore(nc, { log: testLog, timeoutMs: 2_000 }).catch(async (err: unknown) => {
    await nc.close();
    throw err;
  });
  const hasher = createKeyHasher(HASH_SECRET);
  const resolver = createResolver({ masterKey: MASTER, state: store.state, hasher });
  const authorizer = createAuthorizer({ resolver, models: createModelAccess(deployments) });
  const [routes, watchers] = policyRoutes({ authorizer, log: testLog });
  adminRoutes({ resolver, store, hasher, log: testLog }, routes);
  store.state.onInvalidate((message) => watchers.publish(message));
  const server = createServer(connect.createConnectHandler(routes));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = connect.createConnectClient(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  return {
    nc,
    store,
    hasher,
    authorizer,
    watchers,
    client,
    async close() {
      watchers.endAll();
      await client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      store.close();
      await nc.close();
    },
  };
}

/** Calls an admin method over Connect, as `credential` (no authorization header when null). */
export async function admin<M extends DescMethod>(
  client: connect.ConnectClient,
  method: M,
  request: MessageInitShape<M["input"]>,
  credential: string | null = MASTER,
): Promise<MessageShape<M["output"]>> {
  const headers: Record<string, string> = credential === null ? {} : { authorization: `Bearer ${credential}` };
  const message = create(method.input, request) as MessageShape<M["input"]>;
  return (await connect.callUnary(client, method, message, { headers })).value;
}

/** Asserts that `promise` rejects with a GatewayError of `errorClass`, whose message matches `message` if given. */
export async function rejectsWith(
  promise: Promise<unknown>,
  errorClass: llm.ErrorClass,
  message?: RegExp,
): Promise<GatewayError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof GatewayError, `expected a GatewayError, got ${String(err)}`);
    assert.equal(llm.ErrorClass[err.errorClass], llm.ErrorClass[errorClass], err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${llm.ErrorClass[errorClass]}, but the call succeeded`);
}

/** An Authorize request. */
export function ask(credential: string, model = ""): policy.AuthorizeRequest {
  return create(policy.AuthorizeRequestSchema, { credential, model });
}

/** Polls `check` every 10 ms until it is true or `timeoutMs` passes; returns whether it became true. */
export async function until(check: () => boolean, timeoutMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** The org most admin specs run against: who is who, and each one's key secret. */
export interface Org {
  /** Secrets by caller: root (proxy admin), viewer, lead (admin of team red), dev (member of red), outsider (member
   * of blue), plain (a key without a user). */
  readonly secrets: Readonly<Record<"root" | "viewer" | "lead" | "dev" | "outsider" | "plain", string>>;
  /** Key ids by the same names. */
  readonly keyIds: Readonly<Record<"root" | "viewer" | "lead" | "dev" | "outsider" | "plain", string>>;
}

/**
 * Creates through the admin API, as the master key: users root, viewer, lead, dev and outsider; team red (lead admin,
 * dev member; max budget 100, rpm 10) and team blue (outsider member); and a key for each of them plus one without a
 * user.
 */
export async function seedOrg(client: connect.ConnectClient): Promise<Org> {
  const { UserRole, TeamRole } = policy;
  const m = policy.PolicyAdminService.method;
  const users: [string, policy.UserRole][] = [
    ["root", UserRole.PROXY_ADMIN],
    ["viewer", UserRole.PROXY_ADMIN_VIEWER],
    ["lead", UserRole.INTERNAL_USER],
    ["dev", UserRole.INTERNAL_USER],
    ["outsider", UserRole.INTERNAL_USER],
  ];
  for (const [userId, userRole] of users) await admin(client, m.createUser, { userId, user: { userRole } });
  await admin(client, m.createTeam, {
    teamId: "red",
    team: { limits: { maxBudgetNanos: 100n, rpmLimit: 10 } },
    members: [
      { userId: "lead", role: TeamRole.ADMIN },
      { userId: "dev", role: TeamRole.USER },
    ],
  });
  await admin(client, m.createTeam, { teamId: "blue", members: [{ userId: "outsider" }] });
  const placement: Record<keyof Org["secrets"], { userId?: string; teamId?: string }> = {
    root: { userId: "root" },
    viewer: { userId: "viewer" },
    lead: { userId: "lead", teamId: "red" },
    dev: { userId: "dev", teamId: "red" },
    outsider: { userId: "outsider", teamId: "blue" },
    plain: {},
  };
  const secrets = {} as Record<keyof Org["secrets"], string>;
  const keyIds = {} as Record<keyof Org["secrets"], string>;
  for (const [name, key] of Object.entries(placement) as [keyof Org["secrets"], typeof placement.root][]) {
    const res = await admin(client, m.generateKey, { key: { ...key, keyAlias: name } });
    secrets[name] = res.secret;
    keyIds[name] = res.key!.keyId;
  }
  return { secrets, keyIds };
}
