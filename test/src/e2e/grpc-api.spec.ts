import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { gateway, llm } from "@switchyard/proto";
import { callStream, callUnary, createClient, fromServiceError } from "@switchyard/runtime";
import { type Gateway, MASTER_KEY, startGateway } from "./setup.js";

let gw: Gateway;
let client: grpc.Client;

before(async () => {
  gw = await startGateway();
  client = createClient(gw.mesh.grpcAddress);
});
after(async () => {
  client?.close();
  await gw?.stop();
});

const auth = (key = MASTER_KEY) => {
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${key}`);
  return md;
};

const chatRequest = (model: string) =>
  create(llm.ChatCompletionRequestSchema, {
    model,
    messages: [{ role: llm.Role.USER, content: { case: "text", value: "hello over grpc" } }],
  });

describe("gRPC GatewayService with a plain @grpc/grpc-js client", () => {
  it("answers a unary chat completion with route metadata", async () => {
    const res = await callUnary(
      client,
      gateway.GatewayService.method.createChatCompletion,
      create(gateway.CreateChatCompletionRequestSchema, { request: chatRequest("gpt-4o") }),
      { metadata: auth() },
    );
    assert.ok(res.value.completion?.choices[0]?.message?.content);
    assert.ok((res.value.completion?.usage?.totalTokens ?? 0) > 0);
    assert.equal(res.headers.get("x-switchyard-deployment")[0], "gpt-4o/0");
    assert.ok(res.headers.get("x-request-id")[0]);
    // gpt-4o is in the price catalog: the response says what the call cost and which prices were used.
    assert.ok((res.value.charge?.costNanos ?? 0n) > 0n);
    assert.match(res.value.charge?.priceVersion ?? "", /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(res.value.charge?.eventId);
  });

  it("streams chunks", async () => {
    const stream = callStream(
      client,
      gateway.GatewayService.method.streamChatCompletion,
      create(gateway.StreamChatCompletionRequestSchema, { request: chatRequest("claude") }),
      { metadata: auth() },
    );
    let text = "";
    let chunks = 0;
    const charges: bigint[] = [];
    for await (const msg of stream as AsyncIterable<gateway.StreamChatCompletionResponse>) {
      if (msg.charge) {
        assert.equal(msg.chunk, undefined, "the charge comes in its own message");
        charges.push(msg.charge.costNanos);
        continue;
      }
      assert.equal(charges.length, 0, "the charge comes after the last chunk");
      chunks++;
      text += msg.chunk?.choices[0]?.delta?.content ?? "";
    }
    assert.ok(chunks > 1);
    assert.ok(text.length > 0);
    assert.equal(charges.length, 1);
    assert.ok(charges[0]! > 0n, "claude-sonnet-4-5 is priced");
  });

  it("lists models", async () => {
    const res = await callUnary(
      client,
      gateway.GatewayService.method.listModels,
      create(gateway.ListModelsRequestSchema),
      { metadata: auth() },
    );
    assert.ok(res.value.models.some((m) => m.id === "gpt-4o"));
  });

  it("refuses a missing or wrong key with UNAUTHENTICATED", async () => {
    for (const md of [new grpc.Metadata(), auth("sk-nope")]) {
      await assert.rejects(
        callUnary(
          client,
          gateway.GatewayService.method.createChatCompletion,
          create(gateway.CreateChatCompletionRequestSchema, { request: chatRequest("gpt-4o") }),
          { metadata: md },
        ),
        (err: grpc.ServiceError) =>
          err.code === grpc.status.UNAUTHENTICATED && fromServiceError(err).detail.httpStatus === 401,
      );
    }
  });

  it("names the invalid field with INVALID_ARGUMENT", async () => {
    const request = chatRequest("gpt-4o");
    request.temperature = 7;
    await assert.rejects(
      callUnary(
        client,
        gateway.GatewayService.method.createChatCompletion,
        create(gateway.CreateChatCompletionRequestSchema, { request }),
        { metadata: auth() },
      ),
      (err: grpc.ServiceError) => err.code === grpc.status.INVALID_ARGUMENT && /request\.temperature/.test(err.details),
    );
    await assert.rejects(
      callUnary(
        client,
        gateway.GatewayService.method.createChatCompletion,
        create(gateway.CreateChatCompletionRequestSchema, {}),
        { metadata: auth() },
      ),
      (err: grpc.ServiceError) => err.code === grpc.status.INVALID_ARGUMENT && /request/.test(err.details),
    );
  });

  it("serves health and reflection", async () => {
    const health = await new Promise<number>((resolve, reject) => {
      client.makeUnaryRequest(
        "/grpc.health.v1.Health/Check",
        () => Buffer.alloc(0),
        (b: Buffer) => b,
        {},
        (err, value) => (err ? reject(err) : resolve(value?.[1] ?? 0)),
      );
    });
    assert.equal(health, 1, "SERVING");
    const services = await listServicesByReflection(client);
    assert.ok(services.includes("switchyard.gateway.v1.GatewayService"), services.join(","));
  });
});

/** Asks grpc.reflection.v1 for the service list with a hand-encoded request (list_services = field 7). */
function listServicesByReflection(c: grpc.Client): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const call = c.makeBidiStreamRequest(
      "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    const request = Buffer.from([0x3a, 0x00]);
    call.on("data", (bytes: Buffer) => {
      resolve(bytes.toString("latin1").match(/[\w.]+Service\b|grpc\.[\w.]+/g) ?? []);
      call.end();
    });
    call.on("error", reject);
    call.write(request);
  });
}
