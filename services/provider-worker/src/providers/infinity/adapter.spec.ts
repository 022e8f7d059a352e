import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { rerankRequest } from "../cohere/rerank.spec.js";
import {
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
} from "../testkit.js";
import { infinityAdapter } from "./index.js";

describe("infinity adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("reranks at {api_base}/rerank, without a key header when the server has no key", async () => {
    upstream.handle((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(fixture(import.meta.url, "rerank-response.json")),
    );
    const dep = testDeployment("infinity", {
      model: "mixedbread-ai/mxbai-rerank-xsmall-v1",
      apiBase: `${upstream.url}/`,
    });
    const out = await infinityAdapter.rerank!(rerankRequest(), testContext(dep, dispatcher));
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/rerank");
    assert.equal(seen.headers.authorization, undefined);
    assert.equal(out.id, "infinity-1f0b4fd2-bd6d-4b4b-8a4c-7f3b0b3f1d02");
    assert.equal(out.results[0]?.index, 1);
    assert.equal(out.usage?.promptTokens, 40);
  });

  it("needs an api_base, and maps a 5xx to unavailable", async () => {
    const bare = testDeployment("infinity", { model: "m" });
    await assert.rejects(infinityAdapter.rerank!(rerankRequest(), testContext(bare, dispatcher)), /needs an api_base/);
    upstream.handle((_req, res) => res.writeHead(503, { "content-type": "application/json" }).end('{"detail":"busy"}'));
    const dep = testDeployment("infinity", { model: "m", apiBase: upstream.url });
    await assert.rejects(
      infinityAdapter.rerank!(rerankRequest(), testContext(dep, dispatcher)),
      isErrorClass(llm.ErrorClass.UNAVAILABLE),
    );
  });
});
