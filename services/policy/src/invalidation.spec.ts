import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { type NatsServer, startNats } from "@switchyard/launcher";
import { policy } from "@switchyard/proto";
import { connect } from "@switchyard/runtime";
import { admin, ask, type Replica, startReplica, until } from "./testkit.js";

const m = policy.PolicyAdminService.method;
const { Decision } = policy;
/** The promise of requirement 4: revoking or blocking a key reaches every replica's ingresses within a second. */
const DEADLINE_MS = 1_000;

/** An ingress-like watch on a replica, recording each invalidation with its arrival time. */
function watch(replica: Replica) {
  const seen: { at: number; message: policy.WatchInvalidationsResponse }[] = [];
  const stream = connect.callStream(
    replica.client,
    policy.PolicyService.method.watchInvalidations,
    create(policy.WatchInvalidationsRequestSchema),
  );
  const done = (async () => {
    try {
      for await (const message of stream) seen.push({ at: Date.now(), message });
    } catch {
      // cancelled at the end of the spec
    }
  })();
  return {
    seen,
    /** Waits for a message after index `from` that matches, returning when it arrived. */
    async next(from: number, match: (m: policy.WatchInvalidationsResponse) => boolean): Promise<number> {
      assert.ok(await until(() => seen.slice(from).some((s) => match(s.message)), 5_000), "no invalidation arrived");
      return seen.slice(from).find((s) => match(s.message))!.at;
    },
    async close() {
      stream.cancel();
      await done;
    },
  };
}

describe("invalidations across replicas", () => {
  let nats: NatsServer;
  let a: Replica;
  let b: Replica;
  before(async () => {
    nats = await startNats();
    [a, b] = await Promise.all([startReplica(nats.url), startReplica(nats.url)]);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await nats?.stop();
  });

  it("reach the other replica's ingress watches within a second of a change", async () => {
    await admin(b.client, m.createTeam, { teamId: "red" });
    const { secret, key } = await admin(b.client, m.generateKey, { key: { teamId: "red" } });
    const keyId = key!.keyId;
    assert.ok(await until(() => a.authorizer.authorize(ask(secret)).decision === Decision.ALLOW));
    const ingress = watch(a);
    await ingress.next(0, (msg) => msg.all);

    // Blocking through B: A's ingress hears of the key, and A refuses it.
    let from = ingress.seen.length;
    let changed = Date.now();
    await admin(b.client, m.setKeyBlocked, { keyId, blocked: true });
    let arrived = await ingress.next(from, (msg) => msg.keyIds.includes(keyId));
    assert.ok(arrived - changed < DEADLINE_MS, `blocked key reached A after ${arrived - changed} ms`);
    assert.equal(a.authorizer.authorize(ask(secret)).decision, Decision.DENY_UNAUTHENTICATED);

    // Each step waits for its own invalidation, so the next step cannot mistake it for its own.
    from = ingress.seen.length;
    await admin(b.client, m.setKeyBlocked, { keyId, blocked: false });
    await ingress.next(from, (msg) => msg.keyIds.includes(keyId));
    assert.equal(a.authorizer.authorize(ask(secret)).decision, Decision.ALLOW);

    // Regenerating through B: the old secret stops working on A.
    from = ingress.seen.length;
    changed = Date.now();
    const regenerated = await admin(b.client, m.regenerateKey, { keyId });
    arrived = await ingress.next(from, (msg) => msg.keyIds.includes(keyId));
    assert.ok(arrived - changed < DEADLINE_MS);
    assert.equal(a.authorizer.authorize(ask(secret)).decision, Decision.DENY_UNAUTHENTICATED);
    assert.equal(a.authorizer.authorize(ask(regenerated.secret)).decision, Decision.ALLOW);

    // Team and user changes drop every cached decision.
    from = ingress.seen.length;
    changed = Date.now();
    await admin(b.client, m.updateTeam, { teamId: "red", changes: { blocked: true } });
    arrived = await ingress.next(from, (msg) => msg.all);
    assert.ok(arrived - changed < DEADLINE_MS);
    assert.match(a.authorizer.authorize(ask(regenerated.secret)).reason, /team is blocked/);
    from = ingress.seen.length;
    await admin(b.client, m.createUser, { userId: "someone" });
    await ingress.next(from, (msg) => msg.all);

    // Deleting through B.
    from = ingress.seen.length;
    changed = Date.now();
    await admin(b.client, m.deleteKeys, { keyIds: [keyId] });
    arrived = await ingress.next(from, (msg) => msg.keyIds.includes(keyId));
    assert.ok(arrived - changed < DEADLINE_MS);
    assert.equal(a.authorizer.authorize(ask(regenerated.secret)).decision, Decision.DENY_UNAUTHENTICATED);
    await ingress.close();
  });
});
