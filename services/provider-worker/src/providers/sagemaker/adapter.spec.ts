import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { createAwsCredentialSource, type Env } from "../aws/credentials.js";
import { encodeEventStream, type FixtureMessage, verifySigV4, writeBytesSlowly } from "../aws/testkit.js";
import {
  closedWithin,
  collect,
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
} from "../testkit.js";
import type { AttemptContext } from "../types.js";
import { sagemakerTarget } from "./api.js";
import { createSagemakerAdapter } from "./index.js";
import { richRequest } from "./testdata/canonical.js";

const KEYS = { accessKeyId: "AKIAIOSFODNN7SAGEMKR", secretAccessKey: "sagemaker/secret+key/0123456789EXAMPLEKEY" };
const ENDPOINT = "tgi-llama-3-endpoint";
const { ErrorClass } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEYS.secretAccessKey);

function messages(name: string): FixtureMessage[] {
  return JSON.parse(fixture(import.meta.url, name)) as FixtureMessage[];
}

describe("sagemaker adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  const env: Env = {};
  const adapter = createSagemakerAdapter({ env, credentials: createAwsCredentialSource({ env }) });
  let upstream: LocalUpstream;
  const ctx = (extra: { signal?: AbortSignal; params?: Record<string, unknown> } = {}): AttemptContext => {
    const dep = testDeployment("sagemaker", {
      model: ENDPOINT,
      apiBase: upstream.url,
      params: { aws_region_name: "eu-west-1", ...extra.params },
    });
    return {
      ...testContext(dep, dispatcher, extra.signal ? { signal: extra.signal } : {}),
      credentials: { aws_access_key_id: KEYS.accessKeyId, aws_secret_access_key: KEYS.secretAccessKey },
    };
  };
  const send = (status: number, body: string, type?: string) =>
    upstream.handle((_req, res) =>
      res
        .writeHead(status, { "content-type": "application/json", ...(type ? { "x-amzn-errortype": type } : {}) })
        .end(body),
    );
  const eventStream = (res: ServerResponse) =>
    res.writeHead(200, {
      "content-type": "application/vnd.amazon.eventstream",
      "x-amzn-invoked-production-variant": "AllTraffic",
    });
  const signed = { service: "sagemaker", region: "eu-west-1" };

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs the OpenAI body, model = endpoint name, to /endpoints/{name}/invocations, SigV4-signed for sagemaker", async () => {
    send(200, fixture(import.meta.url, "response.json"));
    const out = await adapter.chat(richRequest(), ctx({ params: { model_id: "llama-ic-1" } }));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, `/endpoints/${ENDPOINT}/invocations`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request.json")));
    assert.equal(seen.headers["x-amzn-sagemaker-inference-component"], "llama-ic-1");
    const auth = await verifySigV4(seen, KEYS, signed);
    assert.ok(auth.signedHeaders.includes("x-amzn-sagemaker-inference-component"));
    assert.ok(!JSON.stringify(seen.headers).includes(KEYS.secretAccessKey));
    assert.equal(out.choices[0]?.message?.toolCalls[0]?.function?.name, "get_weather");
    assert.equal(out.usage?.totalTokens, 331);
  });

  it("streams PayloadParts that cut SSE frames anywhere, written 1-7 bytes at a time", async () => {
    upstream.handle(async (_req, res) => {
      eventStream(res);
      await writeBytesSlowly(res, encodeEventStream(messages("stream.events.json")));
      res.end();
    });
    const chunks = await collect(adapter.streamChat(richRequest(true), ctx()));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, `/endpoints/${ENDPOINT}/invocations-response-stream`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request-stream.json")));
    await verifySigV4(seen, KEYS, signed);
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "It is 18°C and sunny ☀️.");
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "stop");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.equal(chunks.at(-1)?.usage?.totalTokens, 34);
  });

  it("joins a UTF-8 character split across two PayloadParts", async () => {
    const frame = Buffer.from(
      'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"☀"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
    );
    const cut = frame.indexOf(Buffer.from("☀")) + 1;
    const parts: FixtureMessage[] = [frame.subarray(0, cut), frame.subarray(cut)].map((b) => ({
      event: "PayloadPart",
      raw: true,
      base64: true,
      payload: b.toString("base64"),
    }));
    upstream.handle((_req, res) => eventStream(res).end(encodeEventStream(parts)));
    const chunks = await collect(adapter.streamChat(richRequest(true), ctx()));
    assert.equal(chunks[0]?.choices[0]?.delta?.content, "☀");
  });

  it("throws UNAVAILABLE for a ModelStreamError mid-stream and for a stream cut before [DONE]", async () => {
    upstream.handle((_req, res) => eventStream(res).end(encodeEventStream(messages("stream-error.events.json"))));
    await assert.rejects(collect(adapter.streamChat(richRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
    upstream.handle((_req, res) =>
      eventStream(res).end(encodeEventStream(messages("stream-error.events.json").slice(0, 1))),
    );
    await assert.rejects(collect(adapter.streamChat(richRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies a ModelError by the container's own status, keeping its message", async () => {
    send(424, fixture(import.meta.url, "error-424-ModelError-client.json"), "ModelError");
    await assert.rejects(adapter.chat(richRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.CONTEXT_WINDOW_EXCEEDED)(err);
      const e = err as GatewayError;
      assert.equal(e.detail.httpStatus, 422);
      assert.match(e.message, /^Input validation error: `inputs` tokens \+ `max_new_tokens` must be <= 8192/);
      return true;
    });
    send(424, fixture(import.meta.url, "error-424-ModelError-server.json"), "ModelError");
    await assert.rejects(collect(adapter.streamChat(richRequest(true), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies the SageMaker errors around the container", async () => {
    const table: [number, string, string, llm.ErrorClass][] = [
      [400, "error-400-ValidationError-endpoint.json", "ValidationError", ErrorClass.NOT_FOUND],
      [400, "error-400-ThrottlingException.json", "ThrottlingException", ErrorClass.RATE_LIMITED],
      [429, "error-429-ModelNotReadyException.json", "ModelNotReadyException", ErrorClass.UNAVAILABLE],
      [500, "error-500-InternalFailure.json", "InternalFailure", ErrorClass.UNAVAILABLE],
      [403, "error-403-UnrecognizedClientException.json", "UnrecognizedClientException", ErrorClass.AUTH],
    ];
    for (const [status, name, type, cls] of table) {
      send(status, fixture(import.meta.url, name), `${type}:http://internal.amazon.com/coral/com.amazon.sagemaker/`);
      await assert.rejects(adapter.chat(richRequest(), ctx()), isClass(cls), name);
    }
  });

  it("closes the upstream connection when the caller aborts mid-stream", async () => {
    let response: ServerResponse | undefined;
    upstream.handle((_req, res) => {
      response = res;
      eventStream(res).write(encodeEventStream(messages("stream.events.json").slice(0, 5)));
    });
    const controller = new AbortController();
    const stream = adapter.streamChat(richRequest(true), ctx({ signal: controller.signal }))[Symbol.asyncIterator]();
    assert.equal((await stream.next()).value?.choices[0]?.delta?.content, "It is");
    const pending = stream.next();
    controller.abort();
    await assert.rejects(pending, isClass(ErrorClass.CANCELLED));
    await closedWithin(response!, 1000);
  });
});

describe("sagemaker api", () => {
  it("builds the runtime URL of the region, or uses sagemaker_base_url as it is", () => {
    const dep = (params: Record<string, unknown>) => testDeployment("sagemaker", { model: "my-endpoint", params });
    assert.equal(
      sagemakerTarget(dep({ aws_region_name: "us-east-2" }), {}, false).url,
      "https://runtime.sagemaker.us-east-2.amazonaws.com/endpoints/my-endpoint/invocations",
    );
    assert.equal(
      sagemakerTarget(dep({}), { AWS_REGION: "eu-north-1" }, true).url,
      "https://runtime.sagemaker.eu-north-1.amazonaws.com/endpoints/my-endpoint/invocations-response-stream",
    );
    const custom = dep({ sagemaker_base_url: "https://vpce.example/endpoints/x/invocations" });
    assert.equal(sagemakerTarget(custom, {}, true).url, "https://vpce.example/endpoints/x/invocations");
    assert.deepEqual(sagemakerTarget(dep({}), {}, false).headers, {});
  });
});
