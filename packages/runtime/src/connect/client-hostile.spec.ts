import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm, policy } from "@switchyard/proto";
import { GatewayError } from "../errors.js";
import { type ConnectClient, callUnary, createConnectClient } from "./client.js";
import { callStream } from "./client-stream.js";
import { encodeEnvelope } from "./envelope.js";

// Each request's `x-reply` header picks what this misbehaving server answers.
const replies: Record<string, [number, string, Buffer]> = {
  html502: [502, "text/html", Buffer.from("<h1>bad gateway</h1>")],
  notJson: [500, "application/json", Buffer.from("{")],
  huge: [200, "application/connect+proto", Buffer.from([0, 0xff, 0xff, 0xff, 0xff])],
  truncated: [200, "application/connect+proto", encodeEnvelope(0, Buffer.alloc(10)).subarray(0, 8)],
  badEnd: [200, "application/connect+proto", encodeEnvelope(2, Buffer.from("not json"))],
  compressed: [200, "application/connect+proto", encodeEnvelope(1, Buffer.alloc(1))],
};

let server: Server;
let client: ConnectClient;
before(async () => {
  server = createServer((req, res) => {
    req.resume();
    const [status, type, body] = replies[String(req.headers["x-reply"])] ?? [404, "text/plain", Buffer.alloc(0)];
    res.writeHead(status, { "content-type": type }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  client = createConnectClient(`127.0.0.1:${(server.address() as AddressInfo).port}`, {
    maxMessageBytes: 1024,
  });
});
after(async () => {
  await client.close();
  server.close();
});

async function classOf(run: () => Promise<unknown>): Promise<llm.ErrorClass> {
  try {
    await run();
  } catch (err) {
    assert.ok(err instanceof GatewayError, String(err));
    return err.errorClass;
  }
  throw new Error("expected a failure");
}

const unary = (reply: string) => () =>
  callUnary(client, policy.PolicyService.method.authorize, create(policy.AuthorizeRequestSchema), {
    headers: { "x-reply": reply },
  });

const stream = (reply: string) => async () => {
  const watch = callStream(
    client,
    policy.PolicyService.method.watchInvalidations,
    create(policy.WatchInvalidationsRequestSchema),
    { headers: { "x-reply": reply } },
  );
  for await (const _ of watch) {
    // drain
  }
};

describe("Connect client against a misbehaving server", () => {
  it("infers the class from the HTTP status when there is no Connect error body", async () => {
    assert.equal(await classOf(unary("html502")), llm.ErrorClass.UNAVAILABLE);
    assert.equal(await classOf(unary("notJson")), llm.ErrorClass.INTERNAL);
    assert.equal(await classOf(unary("none")), llm.ErrorClass.INTERNAL);
    assert.equal(await classOf(stream("html502")), llm.ErrorClass.UNAVAILABLE);
  });

  it("fails streams with a hostile length, a truncation, a bad end-stream or a compressed message", async () => {
    assert.equal(await classOf(stream("huge")), llm.ErrorClass.INTERNAL);
    assert.equal(await classOf(stream("truncated")), llm.ErrorClass.UNAVAILABLE);
    assert.equal(await classOf(stream("badEnd")), llm.ErrorClass.INTERNAL);
    assert.equal(await classOf(stream("compressed")), llm.ErrorClass.INTERNAL);
  });
});
