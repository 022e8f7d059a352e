import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { richRequest } from "../openai/testdata/canonical.js";
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
import { azureAiAuthHeaders, azureAiChatUrl, azureAiUrl } from "./api.js";
import { azureAiAdapter } from "./index.js";

const KEY = "azure-ai-test-key-0123456789";
const { ErrorClass } = llm;
const isClass = (cls: llm.ErrorClass) => isErrorClass(cls, KEY);

describe("azure_ai adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (overrides: Partial<Deployment> = {}) =>
    testContext(
      testDeployment("azure_ai", { model: "Llama-3.3-70B-Instruct", apiBase: upstream.url, ...overrides }),
      dispatcher,
      { apiKey: KEY },
    );
  const send = (status: number, body: string, headers: Record<string, string> = {}) =>
    upstream.handle((_req, res) => res.writeHead(status, { "content-type": "application/json", ...headers }).end(body));
  const sse = (res: ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" });

  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("POSTs OpenAI's body to /chat/completions with the documented api-version and a Bearer key", async () => {
    send(200, fixture(import.meta.url, "response.json"));
    const out = await azureAiAdapter.chat(richRequest(), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/chat/completions?api-version=2024-05-01-preview");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.equal(seen.headers["extra-parameters"], undefined);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request.json")));
    assert.equal(out.choices[0]?.message?.content, "It is a cat.");
    assert.equal(out.usage?.totalTokens, 37);
  });

  it("streams written 1-7 bytes at a time, usage chunk last", async () => {
    upstream.handle(async (_req, res) => {
      sse(res);
      await writeSlowly(res, fixture(import.meta.url, "stream.sse"));
      res.end();
    });
    const chunks = await collect(
      azureAiAdapter.streamChat(richRequest(true), ctx({ apiVersion: "2024-08-01-preview" })),
    );
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/chat/completions?api-version=2024-08-01-preview");
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "request-stream.json")));
    assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "It is a cät 🐈.");
    assert.equal(chunks.at(-1)?.usage?.completionTokens, 6);
  });

  it("asks the service to drop parameters a model lacks under drop_params", async () => {
    send(200, fixture(import.meta.url, "response.json"));
    await azureAiAdapter.chat(richRequest(), ctx({ params: { drop_params: true } }));
    assert.equal(upstream.seen.at(-1)!.headers["extra-parameters"], "drop");
  });

  it("embeds at /embeddings with the api-version, OpenAI's body plus input_type, and a Bearer key", async () => {
    send(200, fixture(import.meta.url, "embeddings-response.json"));
    const request = create(llm.EmbeddingRequestSchema, {
      model: "cohere-embed",
      texts: ["This is a very good text"],
      dimensions: 1024,
      extraJson: '{"input_type":"text"}',
    });
    const out = await azureAiAdapter.embed!(request, ctx({ model: "Cohere-embed-v3-english" }));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/embeddings?api-version=2024-05-01-preview");
    assert.equal(seen.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(JSON.parse(seen.body), JSON.parse(fixture(import.meta.url, "embeddings-request.json")));
    assert.equal(out.model, "embed-english-v3.0");
    assert.deepEqual(out.data[0]?.vector, [0.0106353, -0.0231781, 0.0457763, -0.0152282]);
    assert.equal(out.usage?.promptTokens, 7);
  });

  it("classifies an embeddings 422 naming the dimensions the model refuses", async () => {
    send(422, fixture(import.meta.url, "error-422-embeddings.json"));
    const request = create(llm.EmbeddingRequestSchema, { model: "e", texts: ["x"], dimensions: 256 });
    await assert.rejects(azureAiAdapter.embed!(request, ctx({ model: "Cohere-embed-v3-english" })), (err: unknown) => {
      isClass(ErrorClass.INVALID_REQUEST)(err);
      assert.deepEqual(
        [(err as GatewayError).detail.httpStatus, (err as GatewayError).detail.param],
        [422, "dimensions"],
      );
      return true;
    });
  });

  it("classifies a 422 naming the field, a 429 and a 401", async () => {
    send(422, fixture(import.meta.url, "error-422.json"));
    await assert.rejects(azureAiAdapter.chat(richRequest(), ctx()), (err: unknown) => {
      isClass(ErrorClass.INVALID_REQUEST)(err);
      const detail = (err as GatewayError).detail;
      assert.deepEqual([detail.httpStatus, detail.param], [422, "logprobs"]);
      return true;
    });
    send(429, fixture(import.meta.url, "error-429.json"), { "retry-after": "17" });
    await assert.rejects(collect(azureAiAdapter.streamChat(richRequest(true), ctx())), (err: unknown) => {
      isClass(ErrorClass.RATE_LIMITED)(err);
      assert.equal((err as GatewayError).detail.retryAfterSeconds, 17);
      return true;
    });
    send(401, fixture(import.meta.url, "error-401.json"));
    await assert.rejects(azureAiAdapter.chat(richRequest(), ctx()), isClass(ErrorClass.AUTH));
  });
});

describe("azure_ai api", () => {
  it("uses /models on Foundry resources and keeps a path or api-version already in api_base", () => {
    const foundry = "https://contoso.services.ai.azure.com";
    assert.equal(
      azureAiChatUrl({ apiBase: foundry }),
      `${foundry}/models/chat/completions?api-version=2024-05-01-preview`,
    );
    assert.equal(
      azureAiChatUrl({ apiBase: `${foundry}/models/` }),
      `${foundry}/models/chat/completions?api-version=2024-05-01-preview`,
    );
    assert.equal(
      azureAiChatUrl({
        apiBase: "https://llama-serverless.eastus2.models.ai.azure.com/chat/completions?api-version=2024-04-01-preview",
      }),
      "https://llama-serverless.eastus2.models.ai.azure.com/chat/completions?api-version=2024-04-01-preview",
    );
    assert.equal(
      azureAiChatUrl({ apiBase: "https://contoso.openai.azure.com/openai/v1" }),
      "https://contoso.openai.azure.com/openai/v1/chat/completions",
    );
  });

  it("puts embeddings beside chat: under /models on Foundry, replacing a chat path given as api_base", () => {
    const foundry = "https://contoso.services.ai.azure.com";
    assert.equal(
      azureAiUrl({ apiBase: `${foundry}/models` }, "embeddings"),
      `${foundry}/models/embeddings?api-version=2024-05-01-preview`,
    );
    assert.equal(
      azureAiUrl(
        { apiBase: "https://x.eastus2.models.ai.azure.com/chat/completions?api-version=2024-04-01-preview" },
        "embeddings",
      ),
      "https://x.eastus2.models.ai.azure.com/embeddings?api-version=2024-04-01-preview",
    );
    assert.equal(
      azureAiUrl({ apiBase: "https://contoso.openai.azure.com/openai/v1/" }, "embeddings"),
      "https://contoso.openai.azure.com/openai/v1/embeddings",
    );
  });

  it("sends the key in api-key to Foundry and Azure OpenAI hosts, as a Bearer token elsewhere", () => {
    assert.deepEqual(azureAiAuthHeaders({ apiBase: "https://contoso.services.ai.azure.com/models" }, "k"), {
      "api-key": "k",
    });
    assert.deepEqual(azureAiAuthHeaders({ apiBase: "https://x.eastus2.models.ai.azure.com" }, "k"), {
      authorization: "Bearer k",
    });
    assert.deepEqual(azureAiAuthHeaders({ apiBase: "https://x.eastus2.models.ai.azure.com" }, undefined), {});
  });
});
