import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { connect, createLogger } from "@switchyard/runtime";
import { createAuthorizer } from "./authorizer.js";
import { createModelAccess } from "./models.js";
import { createResolver } from "./principal.js";
import { policyRoutes } from "./server.js";

describe("PolicyService over Connect", () => {
  it("authorizes, pushes invalidations to watchers and ends watches on drain", async () => {
    const authorizer = createAuthorizer({
      resolver: createResolver({ masterKey: "sk-master" }),
      models: createModelAccess([]),
    });
    const [routes, watchers] = policyRoutes({ authorizer, log: createLogger("test") });
    const server = createServer(connect.createConnectHandler(routes));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = connect.createConnectClient(`127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const { authorize, watchInvalidations } = policy.PolicyService.method;
      const res = await connect.callUnary(
        client,
        authorize,
        create(policy.AuthorizeRequestSchema, { credential: "sk-master" }),
      );
      assert.equal(res.value.decision, policy.Decision.ALLOW);

      const seen: string[] = [];
      const stream = connect.callStream(client, watchInvalidations, create(policy.WatchInvalidationsRequestSchema));
      const done = (async () => {
        for await (const m of stream) {
          seen.push(m.all ? "all" : m.keyIds.join(","));
          if (seen.length === 1) watchers.publish(create(policy.WatchInvalidationsResponseSchema, { keyIds: ["k1"] }));
          if (seen.length === 2) watchers.endAll();
        }
      })();
      await done;
      assert.deepEqual(seen, ["all", "k1"]);
      assert.equal(watchers.size, 0);
    } finally {
      await client.close();
      server.close();
    }
  });
});
