import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import {
  fixture,
  isErrorClass,
  type LocalUpstream,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
} from "../testkit.js";
import { topazAdapter } from "./index.js";

const KEY = "topaz-secret-0123456789";

describe("topaz adapter over HTTP", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  const ctx = (params: Record<string, unknown> = {}) =>
    testContext(
      testDeployment("topaz", { model: "Standard V2", apiBase: `${upstream.url}/image/v1`, params }),
      dispatcher,
      {
        apiKey: KEY,
      },
    );
  const variation = (responseFormat: string, n?: number) =>
    create(llm.ImageVariationRequestSchema, {
      model: "enhance",
      image: Buffer.from("png-bytes"),
      filename: "in.png",
      contentType: "image/png",
      size: "1024x1024",
      responseFormat,
      ...(n === undefined ? {} : { n }),
    });
  before(async () => {
    upstream = await startUpstream();
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("posts the image to /enhance with X-API-Key and returns the enhanced bytes as b64_json", async () => {
    upstream.handle((_req, res) => res.writeHead(200, { "content-type": "image/jpeg" }).end("enhanced"));
    const out = await topazAdapter.varyImage!(variation("b64_json"), ctx());
    const seen = upstream.seen.at(-1)!;
    assert.equal(seen.url, "/image/v1/enhance");
    assert.equal(seen.headers["x-api-key"], KEY);
    const form = await new Response(seen.body, {
      headers: { "content-type": seen.headers["content-type"] ?? "" },
    }).formData();
    assert.equal(form.get("model"), "Standard V2");
    assert.equal(form.get("output_width"), "1024");
    assert.equal(form.get("output_height"), "1024");
    assert.equal((form.get("image") as File).name, "in.png");
    assert.equal(out.data.length, 1);
    assert.equal(out.data[0]?.b64Json, Buffer.from("enhanced").toString("base64"));
  });

  it("refuses url answers and n > 1 by name unless drop_params, and classifies errors", async () => {
    for (const [req, param] of [
      [variation(""), "response_format"],
      [variation("url"), "response_format"],
      [variation("b64_json", 2), "n"],
    ] as const) {
      await assert.rejects(topazAdapter.varyImage!(req, ctx()), (err) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.detail.param, param);
        return true;
      });
    }
    upstream.handle((_req, res) => res.writeHead(200, { "content-type": "image/png" }).end("x"));
    assert.equal((await topazAdapter.varyImage!(variation("url"), ctx({ drop_params: true }))).data.length, 1);
    upstream.handle((_req, res) =>
      res.writeHead(400, { "content-type": "application/json" }).end(fixture(import.meta.url, "error-bad-image.json")),
    );
    await assert.rejects(topazAdapter.varyImage!(variation("b64_json"), ctx()), (err) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.message, "Unsupported image format");
      return true;
    });
    upstream.handle((_req, res) =>
      res.writeHead(401, { "content-type": "application/json" }).end(`{"message":"bad key ${KEY}"}`),
    );
    await assert.rejects(topazAdapter.varyImage!(variation("b64_json"), ctx()), isErrorClass(llm.ErrorClass.AUTH, KEY));
    assert.deepEqual(topazAdapter.info.capabilities, ["images"]);
  });
});
