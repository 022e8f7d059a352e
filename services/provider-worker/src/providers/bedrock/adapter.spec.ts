import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { createAwsCredentialSource, type Env } from "../aws/credentials.js";
import { encodeEventStream, type FixtureMessage, startFakeSts, verifySigV4, writeBytesSlowly } from "../aws/testkit.js";
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
import { createBedrockAdapter } from "./index.js";
import { richRequest } from "./testdata/canonical.js";

const KEYS = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const SESSION = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789";
const MODEL = "anthropic.claude-sonnet-4-20250514-v1:0";
const ENCODED = "anthropic.claude-sonnet-4-20250514-v1%3A0";
const { ErrorClass } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEYS.secretAccessKey);

function events(name: string): Buffer {
  return encodeEventStream(JSON.parse(fixture(import.meta.url, name)) as FixtureMessage[]);
}

describe("bedrock adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  const env: Env = {};
  const adapter = createBedrockAdapter({ env, credentials: createAwsCredentialSource({ env }) });
  let upstream: LocalUpstream;
  const ctx = (extra: { signal?: AbortSignal; model?: string } = {}): AttemptContext => {
    const dep = testDeployment("bedrock", {
      model: extra.model ?? `converse/${MODEL}`,
      apiBase: upstream.url,
      params: { aws_region_name: "us-east-1" },
    });
    return {
      ...testContext(dep, dispatcher, extra.signal ? { signal: extra.signal } : {}),
      credentials: {
        aws_access_key_id: KEYS.accessKeyId,
        aws_secret_access_key: KEYS.secretAccessKey,
        aws_session_token: SESSION,
      },
    };
  };
  const send = (status: number, body: string, type?: string) =>
    upstream.handle((_req, res) =>
      res
        .writeHead(status, { "content-type": "application/json", ...(type ? { "x-amzn-errortype": type } : {}) })
        .end(body),
    );
  const eventStream = (res: ServerResponse) =>
    res.writeHead(200, { "content-type": "application/vnd.amazon.eventstream" });
  const signed = { service: "bedrock", region: "us-east-1" };
  const creds = { ...KEYS, sessionToken: SESSION };

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs the Converse body to /model/{modelId}/converse with a valid SigV4 signature", async () => {
    send(200, fixture(import.meta.url, "response.json"));
    const out = await adapter.chat(richRequest(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, `/model/${ENCODED}/converse`);
    assert.equal(seen.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request.json")));
    const auth = await verifySigV4(seen, creds, signed);
    assert.deepEqual(auth.signedHeaders, [
      "content-type",
      "host",
      "x-amz-content-sha256",
      "x-amz-date",
      "x-amz-security-token",
    ]);
    assert.ok(
      !JSON.stringify(seen.headers).includes(KEYS.secretAccessKey) && !seen.body.includes(KEYS.secretAccessKey),
    );
    assert.equal(out.choices[0]?.finishReason, "tool_calls");
    assert.equal(out.model, MODEL);
    assert.match(out.id, /^chatcmpl-/);
    assert.equal(out.usage?.promptTokens, 2470);
  });

  it("has a signature that a changed body, path or key does not verify against", async () => {
    send(200, fixture(import.meta.url, "response.json"));
    await adapter.chat(richRequest(), ctx({ model: MODEL }));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, `/model/${ENCODED}/converse`, "bedrock/<model> routes to Converse too");
    await verifySigV4(seen, creds, signed);
    await assert.rejects(verifySigV4({ ...seen, body: seen.body.replace("Paris", "Lyon") }, creds, signed));
    await assert.rejects(verifySigV4({ ...seen, url: seen.url.replace("converse", "invoke") }, creds, signed));
    await assert.rejects(verifySigV4(seen, { ...creds, secretAccessKey: "other" }, signed));
  });

  it("streams a ConverseStream written 1-7 bytes at a time, usage chunk last", async () => {
    upstream.handle(async (_req, res) => {
      eventStream(res);
      await writeBytesSlowly(res, events("stream.events.json"));
      res.end();
    });
    const chunks = await collect(adapter.streamChat(richRequest(), ctx()));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, `/model/${ENCODED}/converse-stream`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request.json")));
    await verifySigV4(seen, creds, signed);
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Hello, wörld 👋!");
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.equal(chunks.at(-1)?.usage?.completionTokens, 15);
  });

  it("streams tool calls", async () => {
    upstream.handle((_req, res) => eventStream(res).end(events("stream-tools.events.json")));
    const chunks = await collect(adapter.streamChat(richRequest(), ctx()));
    const args = chunks.flatMap((c) => c.choices[0]?.delta?.toolCalls ?? []).map((t) => t.arguments ?? "");
    assert.equal(args.join(""), '{"city":"Paris"}');
    assert.equal(chunks.at(-2)?.choices[0]?.finishReason, "tool_calls");
  });

  it("throws the classified error of an exception message mid-stream", async () => {
    upstream.handle((_req, res) => eventStream(res).end(events("stream-error.events.json")));
    await assert.rejects(collect(adapter.streamChat(richRequest(), ctx())), isClass(ErrorClass.RATE_LIMITED));
  });

  it("throws UNAVAILABLE for a reset, a cut inside a message, a stream without messageStop and a bad checksum", async () => {
    const full = events("stream.events.json");
    upstream.handle((_req, res) => {
      eventStream(res).write(full.subarray(0, 150));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await assert.rejects(collect(adapter.streamChat(richRequest(), ctx())), isClass(ErrorClass.UNAVAILABLE));
    upstream.handle((_req, res) => eventStream(res).end(full.subarray(0, full.length - 10)));
    await assert.rejects(collect(adapter.streamChat(richRequest(), ctx())), isClass(ErrorClass.UNAVAILABLE));
    const firstTwo = encodeEventStream(
      (JSON.parse(fixture(import.meta.url, "stream.events.json")) as FixtureMessage[]).slice(0, 2),
    );
    upstream.handle((_req, res) => eventStream(res).end(firstTwo));
    await assert.rejects(collect(adapter.streamChat(richRequest(), ctx())), isClass(ErrorClass.UNAVAILABLE));
    const corrupt = Buffer.from(full);
    corrupt[20] = (corrupt[20] ?? 0) ^ 0xff;
    upstream.handle((_req, res) => eventStream(res).end(corrupt));
    await assert.rejects(collect(adapter.streamChat(richRequest(), ctx())), isClass(ErrorClass.UNAVAILABLE));
  });

  it("classifies HTTP errors by x-amzn-ErrorType and keeps the credentials out of them", async () => {
    send(429, fixture(import.meta.url, "error-429-ThrottlingException.json"), "ThrottlingException");
    await assert.rejects(adapter.chat(richRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.RATE_LIMITED)(err);
      assert.equal((err as GatewayError).detail.httpStatus, 429);
      return true;
    });
    send(400, fixture(import.meta.url, "error-400-ValidationException-context.json"), "ValidationException");
    await assert.rejects(
      collect(adapter.streamChat(richRequest(), ctx())),
      isClass(ErrorClass.CONTEXT_WINDOW_EXCEEDED),
    );
    send(
      403,
      `{"message":"The request signature we calculated does not match. Key ${KEYS.secretAccessKey}"}`,
      "InvalidSignatureException",
    );
    await assert.rejects(adapter.chat(richRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.AUTH)(err);
      assert.ok(!String((err as Error).cause).includes(KEYS.secretAccessKey), "redacted from the logged cause too");
      return true;
    });
    send(503, fixture(import.meta.url, "error-503-ServiceUnavailableException.json"), "ServiceUnavailableException");
    await assert.rejects(adapter.chat(richRequest(), ctx()), isClass(ErrorClass.UNAVAILABLE));
  });

  it("closes the upstream connection promptly when the caller aborts mid-stream", async () => {
    let response: ServerResponse | undefined;
    const messages = JSON.parse(fixture(import.meta.url, "stream.events.json")) as FixtureMessage[];
    upstream.handle((_req, res) => {
      response = res;
      eventStream(res).write(encodeEventStream(messages.slice(0, 2)));
    });
    const controller = new AbortController();
    const stream = adapter.streamChat(richRequest(), ctx({ signal: controller.signal }))[Symbol.asyncIterator]();
    assert.equal((await stream.next()).value?.choices[0]?.delta?.role, "assistant");
    await stream.next();
    const pending = stream.next();
    controller.abort();
    await assert.rejects(pending, isClass(ErrorClass.CANCELLED));
    await closedWithin(response!, 1000);
  });

  it("sends a Bedrock API key as a bearer token instead of signing", async () => {
    send(200, fixture(import.meta.url, "response.json"));
    const dep = testDeployment("bedrock", { model: MODEL, apiBase: upstream.url });
    await adapter.chat(richRequest(), testContext(dep, dispatcher, { apiKey: "bedrock-api-key-123" }));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.headers.authorization, "Bearer bedrock-api-key-123");
    assert.equal(seen.headers["x-amz-date"], undefined);
  });

  it("fails without calling Bedrock when no credentials are configured anywhere", async () => {
    const before = upstream.seen.length;
    const dep = testDeployment("bedrock", { model: MODEL, apiBase: upstream.url });
    await assert.rejects(adapter.chat(richRequest(), testContext(dep, dispatcher)), (err: unknown) => {
      isErrorClass(ErrorClass.INTERNAL)(err);
      assert.match((err as Error).message, /no AWS credentials/);
      return true;
    });
    assert.equal(upstream.seen.length, before);
  });

  it("stops waiting for a hanging STS when the caller goes away", async () => {
    const hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const dir = mkdtempSync(join(tmpdir(), "irsa-"));
    writeFileSync(join(dir, "token"), "token");
    const stsEnv: Env = {
      AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "token"),
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/r",
      AWS_STS_ENDPOINT: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
    };
    const waiting = createBedrockAdapter({ env: stsEnv, credentials: createAwsCredentialSource({ env: stsEnv }) });
    try {
      const controller = new AbortController();
      const dep = testDeployment("bedrock", { model: MODEL, apiBase: upstream.url });
      const started = Date.now();
      const call = waiting.chat(richRequest(), testContext(dep, dispatcher, { signal: controller.signal }));
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(call, isErrorClass(ErrorClass.CANCELLED));
      assert.ok(Date.now() - started < 2000);
    } finally {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it("signs with IRSA web-identity credentials from STS, assumed once and cached", async () => {
    const sts = await startFakeSts();
    const dir = mkdtempSync(join(tmpdir(), "irsa-"));
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, "eyJhbGciOiJSUzI1NiJ9.irsa-token.sig\n");
    const irsaEnv: Env = {
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/switchyard-bedrock",
      AWS_ROLE_SESSION_NAME: "worker-1",
      AWS_STS_ENDPOINT: sts.url,
    };
    const irsa = createBedrockAdapter({ env: irsaEnv, credentials: createAwsCredentialSource({ env: irsaEnv }) });
    try {
      const dep = testDeployment("bedrock", {
        model: MODEL,
        apiBase: upstream.url,
        params: { aws_region_name: "us-east-1" },
      });
      send(200, fixture(import.meta.url, "response.json"));
      await irsa.chat(richRequest(), testContext(dep, dispatcher));
      await irsa.chat(richRequest(), testContext(dep, dispatcher));
      assert.equal(sts.requests.length, 1);
      const form = sts.requests[0]!;
      assert.equal(form.get("Action"), "AssumeRoleWithWebIdentity");
      assert.equal(form.get("RoleArn"), "arn:aws:iam::123456789012:role/switchyard-bedrock");
      assert.equal(form.get("RoleSessionName"), "worker-1");
      assert.equal(form.get("WebIdentityToken"), "eyJhbGciOiJSUzI1NiJ9.irsa-token.sig");
      await verifySigV4(upstream.seen.at(-1)!, sts.credentials(1), signed);
      const { secretAccessKey, sessionToken } = sts.credentials(1);
      send(400, JSON.stringify({ message: `echo ${secretAccessKey} ${sessionToken}` }), "ValidationException");
      await assert.rejects(irsa.chat(richRequest(), testContext(dep, dispatcher)), (err: unknown) => {
        const text = `${(err as Error).message} ${String((err as Error).cause)}`;
        assert.ok(!text.includes(secretAccessKey) && !text.includes(sessionToken!), "STS credentials are redacted");
        return true;
      });
    } finally {
      await sts.close();
    }
  });
});
