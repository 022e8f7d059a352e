// Proves the lean Connect implementation in @switchyard/runtime is standard Connect: the official connect-node
// client calls a service served by it, and the runtime's client calls a service served by connect-node.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createConnectTransport } from "@connectrpc/connect-node";
import { llm, policy } from "@switchyard/proto";
import { connect, GatewayError } from "@switchyard/runtime";

const rich = new GatewayError({
  class: llm.ErrorClass.RATE_LIMITED,
  message: "slow down",
  deploymentId: "dep-1",
  param: "p",
});
const { authorize, watchInvalidations } = policy.PolicyService.method;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("connect-node client -> runtime Connect server", () => {
  let server: Server;
  let client: ReturnType<typeof createClient<typeof policy.PolicyService>>;
  before(async () => {
    const routes = connect.addConnectService(new Map(), policy.PolicyService, {
      authorize(req, ctx) {
        if (req.credential === "fail") throw rich;
        ctx.responseHeaders["x-switchyard-deployment"] = "dep-1";
        ctx.responseTrailers["x-switchyard-attempts"] = "2";
        return create(policy.AuthorizeResponseSchema, { decision: policy.Decision.ALLOW, keyId: req.model });
      },
      async watchInvalidations(_req, ctx, sink) {
        for (const id of ["a", "b"])
          await sink.write(create(policy.WatchInvalidationsResponseSchema, { keyIds: [id] }));
        if (ctx.requestHeaders["x-fail"]) throw rich;
        ctx.responseTrailers["x-done"] = "yes";
      },
      admit: () => create(policy.AdmitResponseSchema, { decision: policy.AdmitDecision.ADMIT }),
      settle: () => create(policy.SettleResponseSchema),
      settleMany: () => create(policy.SettleManyResponseSchema),
    });
    server = createServer(connect.createConnectHandler(routes));
    const address = await listen(server);
    const transport = createConnectTransport({
      baseUrl: `http://${address}`,
      httpVersion: "1.1",
      useBinaryFormat: true,
    });
    client = createClient(policy.PolicyService, transport);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("makes a unary call with headers and trailers", async () => {
    let headers: Headers | undefined;
    let trailers: Headers | undefined;
    const res = await client.authorize(
      { credential: "ok", model: "gpt" },
      { onHeader: (h) => (headers = h), onTrailer: (t) => (trailers = t), timeoutMs: 5_000 },
    );
    assert.equal(res.keyId, "gpt");
    assert.equal(headers?.get("x-switchyard-deployment"), "dep-1");
    assert.equal(trailers?.get("x-switchyard-attempts"), "2");
  });

  it("reads a server stream and its trailers", async () => {
    const ids: string[] = [];
    let trailers: Headers | undefined;
    for await (const m of client.watchInvalidations({}, { onTrailer: (t) => (trailers = t) })) ids.push(...m.keyIds);
    assert.deepEqual(ids, ["a", "b"]);
    assert.equal(trailers?.get("x-done"), "yes");
  });

  it("sees errors with the switchyard.llm.v1.Error detail, unary and streamed", async () => {
    const check = (err: unknown) => {
      const ce = ConnectError.from(err);
      assert.equal(ce.code, Code.ResourceExhausted);
      assert.equal(ce.rawMessage, "slow down");
      const [detail] = ce.findDetails(llm.ErrorSchema);
      assert.ok(detail);
      assert.deepEqual(toBinary(llm.ErrorSchema, detail), toBinary(llm.ErrorSchema, rich.detail));
      return true;
    };
    await assert.rejects(client.authorize({ credential: "fail" }), check);
    await assert.rejects(async () => {
      for await (const _ of client.watchInvalidations({}, { headers: { "x-fail": "1" } })) {
        // drain
      }
    }, check);
  });
});

describe("runtime Connect client -> connect-node server", () => {
  let server: Server;
  let client: connect.ConnectClient;
  before(async () => {
    const handler = connectNodeAdapter({
      routes: (router) =>
        router.service(policy.PolicyService, {
          authorize(req, ctx) {
            if (req.credential === "fail")
              throw new ConnectError("slow down", Code.ResourceExhausted, undefined, [
                { desc: llm.ErrorSchema, value: rich.detail },
              ]);
            ctx.responseHeader.set("x-switchyard-deployment", "dep-1");
            return { decision: policy.Decision.ALLOW, keyId: req.model };
          },
          async *watchInvalidations() {
            yield { keyIds: ["a"] };
            yield { keyIds: ["b"] };
          },
        }),
    });
    server = createServer(handler);
    client = connect.createConnectClient(await listen(server));
  });
  after(async () => {
    await client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("makes unary and streaming calls", async () => {
    const res = await connect.callUnary(client, authorize, create(policy.AuthorizeRequestSchema, { model: "m" }), {
      deadline: Date.now() + 5_000,
    });
    assert.equal(res.value.keyId, "m");
    assert.equal(res.headers["x-switchyard-deployment"], "dep-1");
    const ids: string[] = [];
    for await (const m of connect.callStream(
      client,
      watchInvalidations,
      create(policy.WatchInvalidationsRequestSchema),
    )) {
      ids.push(...m.keyIds);
    }
    assert.deepEqual(ids, ["a", "b"]);
  });

  it("reads the error detail into a GatewayError", async () => {
    await assert.rejects(
      connect.callUnary(client, authorize, create(policy.AuthorizeRequestSchema, { credential: "fail" })),
      (err: unknown) =>
        err instanceof GatewayError &&
        err.errorClass === llm.ErrorClass.RATE_LIMITED &&
        err.detail.deploymentId === "dep-1",
    );
  });
});
