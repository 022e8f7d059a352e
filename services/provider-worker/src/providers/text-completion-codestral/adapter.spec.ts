import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import {
  collect,
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
  writeSlowly,
} from "../testkit.js";
import { codestralFimAdapter } from "./index.js";

const KEY = "codestral-test-key-0123456789";

const fim = (extra: { prompts?: string[]; echo?: boolean; n?: number; stream?: boolean } = {}) =>
  create(llm.CompletionRequestSchema, {
    model: "codestral",
    prompts: ["def add(a, b):\n"],
    suffix: "\nprint(add(1, 2))",
    maxTokens: 64,
    temperature: 0,
    stop: ["\n\n"],
    seed: 7n,
    ...extra,
  });

describe("text-completion-codestral adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (params: Record<string, unknown> = {}) =>
    testContext(
      testDeployment("text-completion-codestral", { model: "codestral-latest", apiBase: `${upstream.url}/v1`, params }),
      dispatcher,
      { apiKey: KEY },
    );
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs prompt and suffix to /v1/fim/completions and answers a text completion", async () => {
    upstream.handle((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(fixture(import.meta.url, "fim-response.json")),
    );
    const out = await codestralFimAdapter.complete!(fim(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/fim/completions");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "fim-request.json")));
    assert.equal(out.choices[0]?.text, "    return a + b");
    assert.equal(out.choices[0]?.finishReason, "stop");
    assert.equal(out.model, "codestral-2508");
    assert.deepEqual([out.usage?.promptTokens, out.usage?.completionTokens], [14, 8]);
  });

  it("refuses what FIM cannot do by name, unless drop_params; chat points to codestral/", async () => {
    await assert.rejects(codestralFimAdapter.complete!(fim({ prompts: ["a", "b"] }), ctx()), /"prompt"/);
    await assert.rejects(codestralFimAdapter.complete!(fim({ echo: true }), ctx()), /"echo"/);
    await assert.rejects(codestralFimAdapter.complete!(fim({ n: 2 }), ctx()), /"n"/);
    upstream.handle((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(fixture(import.meta.url, "fim-response.json")),
    );
    await codestralFimAdapter.complete!(fim({ echo: true }), ctx({ drop_params: true }));
    assert.equal(JSON.parse(upstream.seen.at(-1)!.body).echo, undefined);
    await assert.rejects(
      codestralFimAdapter.chat(create(llm.ChatCompletionRequestSchema), ctx()),
      /does not support chat completions; use codestral\/ for chat/,
    );
  });

  it("classifies a 401 as auth without echoing the key", async () => {
    upstream.handle((_req, res) =>
      res.writeHead(401, { "content-type": "application/json" }).end('{"message":"Unauthorized","request_id":"x"}'),
    );
    await assert.rejects(codestralFimAdapter.complete!(fim(), ctx()), isErrorClass(llm.ErrorClass.AUTH, KEY));
  });

  it("streams FIM pieces as text completion chunks, split anywhere, with Mistral's usage yielded alone last", async () => {
    upstream.handle(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      await writeSlowly(res, fixture(import.meta.url, "fim-stream.sse"));
      res.end();
    });
    const chunks = await collect(codestralFimAdapter.streamComplete!(fim({ stream: true }), ctx()));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/fim/completions");
    assert.deepEqual(JSON.parse(seen.body), {
      ...JSON.parse(fixture(import.meta.url, "fim-request.json")),
      stream: true,
    });
    assert.equal(chunks.map((c) => c.choices.map((x) => x.text).join("")).join(""), "    return a + b");
    assert.deepEqual(
      chunks.map((c) => c.choices[0]?.finishReason ?? "-"),
      ["", "", "stop", "-"],
    );
    assert.equal(chunks.at(-2)?.usage, undefined, "usage travels alone in the last chunk");
    assert.deepEqual([chunks.at(-1)?.usage?.promptTokens, chunks.at(-1)?.usage?.completionTokens], [14, 8]);
    assert.equal(chunks.at(-1)?.model, "codestral-2508");
  });

  it("fails a FIM stream cut before its finish_reason, and classifies an error frame", async () => {
    const cut = fixture(import.meta.url, "fim-stream.sse")
      .split("\n\n")
      .slice(0, 2)
      .join("\n\n");
    upstream.handle((_req, res) => res.writeHead(200, { "content-type": "text/event-stream" }).end(`${cut}\n\n`));
    await assert.rejects(
      collect(codestralFimAdapter.streamComplete!(fim(), ctx())),
      isErrorClass(llm.ErrorClass.UNAVAILABLE),
    );
    upstream.handle((_req, res) =>
      res
        .writeHead(200, { "content-type": "text/event-stream" })
        .end(`${cut}\n\ndata: {"object":"error","message":"Service unavailable","type":"internal_server_error"}\n\n`),
    );
    await assert.rejects(
      collect(codestralFimAdapter.streamComplete!(fim(), ctx())),
      isErrorClass(llm.ErrorClass.UNAVAILABLE),
    );
  });
});
