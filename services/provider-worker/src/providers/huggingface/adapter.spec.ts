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
} from "../testkit.js";
import { endpointChatUrl, featureExtractionUrl } from "./api.js";
import { huggingfaceAdapter } from "./index.js";

const KEY = "hf_testtoken0123456789abcdef";
const { ErrorClass } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);
const data = (name: string) => fixture(import.meta.url, name);
/** The recorded OpenAI fixtures: the router and TGI speak OpenAI's chat format. */
const openai = (name: string) => fixture(new URL("../openai/adapter.spec.js", import.meta.url).href, name);

const request = (stream = false) =>
  create(llm.ChatCompletionRequestSchema, {
    model: "group",
    messages: [{ role: llm.Role.USER, content: { case: "text", value: "Hello" } }],
    stream,
  });

describe("huggingface adapter", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (apiBase: string, model = "meta-llama/Llama-3.3-70B-Instruct:together") =>
    testContext(testDeployment("huggingface", { model, apiBase }), dispatcher, { apiKey: KEY });
  const send = (status: number, body: string, type = "application/json") =>
    upstream.handle((_req, res) => res.writeHead(status, { "content-type": type }).end(body));

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("uses the Inference Providers router by default, and an endpoint's /v1/chat/completions under api_base", () => {
    assert.equal(
      endpointChatUrl("https://xyz.endpoints.huggingface.cloud"),
      "https://xyz.endpoints.huggingface.cloud/v1/chat/completions",
    );
    assert.equal(endpointChatUrl("http://tgi:8080/v1/"), "http://tgi:8080/v1/chat/completions");
    assert.equal(endpointChatUrl("http://tgi:8080/v1/chat/completions"), "http://tgi:8080/v1/chat/completions");
    assert.equal(
      featureExtractionUrl({ model: "sentence-transformers/all-MiniLM-L6-v2" }),
      "https://router.huggingface.co/hf-inference/models/sentence-transformers/all-MiniLM-L6-v2/pipeline/feature-extraction",
    );
    assert.equal(featureExtractionUrl({ model: "x/y", apiBase: "https://tei.example/" }), "https://tei.example");
  });

  it("POSTs OpenAI's body with the model id (provider suffix kept) and a Bearer token to a TGI endpoint", async () => {
    send(200, openai("response.json"));
    const out = await huggingfaceAdapter.chat(request(), ctx(upstream.url));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/v1/chat/completions");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.equal(JSON.parse(seen.body).model, "meta-llama/Llama-3.3-70B-Instruct:together");
    assert.ok(out.choices.length > 0);
  });

  it("streams OpenAI chunks with the usage chunk last", async () => {
    send(200, openai("stream.sse"), "text/event-stream");
    const chunks = await collect(huggingfaceAdapter.streamChat(request(true), ctx(`${upstream.url}/v1`)));
    assert.equal(upstream.seen.at(-1)?.url, "/v1/chat/completions");
    assert.equal(JSON.parse(upstream.seen.at(-1)!.body).stream_options.include_usage, true);
    assert.equal(chunks.at(-1)?.choices.length, 0);
    assert.ok(chunks.at(-1)?.usage);
  });

  it('classifies `{"error": text}` bodies: 402 out of credits and 429 without the token', async () => {
    send(402, data("error-402.json"));
    await assert.rejects(huggingfaceAdapter.chat(request(), ctx(upstream.url)), isClass(ErrorClass.PERMISSION_DENIED));
    send(429, '{"error":"rate limit reached"}');
    await assert.rejects(huggingfaceAdapter.chat(request(), ctx(upstream.url)), isClass(ErrorClass.RATE_LIMITED));
  });

  it("embeds through feature-extraction: {inputs} in, one vector per input out", async () => {
    send(200, data("feature-extraction.json"));
    const embedding = create(llm.EmbeddingRequestSchema, { model: "e", texts: ["a", "b"] });
    const out = await huggingfaceAdapter.embed!(embedding, ctx(`${upstream.url}/`, "BAAI/bge-small-en-v1.5"));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(seen.body), { inputs: ["a", "b"] });
    assert.deepEqual(
      out.data.map((d) => d.vector),
      [
        [0.1, 0.2, 0.3],
        [0.4, 0.5, 0.6],
      ],
    );
    send(200, "[[[1,2],[3,4]],[[5,6],[7,8]]]");
    const pooled = await huggingfaceAdapter.embed!(embedding, ctx(`${upstream.url}/`));
    assert.deepEqual(pooled.data[1]?.vector, [6, 7], "per-token vectors are mean-pooled");
    send(200, "[[0.1]]");
    await assert.rejects(
      huggingfaceAdapter.embed!(embedding, ctx(`${upstream.url}/`)),
      isClass(ErrorClass.UNAVAILABLE),
    );
    send(400, data("error-400.json"));
    await assert.rejects(
      huggingfaceAdapter.embed!(embedding, ctx(`${upstream.url}/`)),
      isClass(ErrorClass.INVALID_REQUEST),
    );
  });

  it("declares embeddings and keeps the adapter frozen", () => {
    assert.ok(huggingfaceAdapter.info.capabilities.includes("embeddings"));
    assert.ok(Object.isFrozen(huggingfaceAdapter));
    assert.deepEqual(huggingfaceAdapter.env?.apiKey, ["HF_TOKEN", "HUGGINGFACE_API_KEY"]);
  });
});
