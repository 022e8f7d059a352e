import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { request } from "undici";
import { EnvelopeReader, encodeEnvelope, FLAG_END_STREAM } from "./envelope.js";
import { type Scripted, startScripted } from "./testkit.js";

let scripted: Scripted;
before(async () => {
  scripted = await startScripted(1024);
});
after(() => scripted.close());

const UNARY = "/switchyard.policy.v1.PolicyService/Authorize";
const STREAM = "/switchyard.policy.v1.PolicyService/WatchInvalidations";
const ok = Buffer.from(
  toBinary(policy.AuthorizeRequestSchema, create(policy.AuthorizeRequestSchema, { credential: "ok" })),
);

async function post(path: string, body: Buffer, headers: Record<string, string> = {}, method = "POST") {
  const res = await request(`http://${scripted.address}${path}`, {
    method: method as "POST",
    headers: { "content-type": "application/proto", ...headers },
    body: method === "GET" ? null : body,
  });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

function codeOf(body: Buffer): string {
  return (JSON.parse(body.toString()) as { code: string }).code;
}

/** The end-stream error code of a streaming response. */
function endStreamCode(body: Buffer): string | undefined {
  const envelopes = new EnvelopeReader(1 << 20).push(body);
  const last = envelopes.at(-1);
  assert.equal(last?.flags, FLAG_END_STREAM);
  return (JSON.parse(last.data.toString()) as { error?: { code: string } }).error?.code;
}

const stream = (body: Buffer) => post(STREAM, body, { "content-type": "application/connect+proto" });

describe("Connect server against hostile input", () => {
  it("answers an unknown procedure with unimplemented (404)", async () => {
    const res = await post("/nope.Service/Method", ok);
    assert.equal(res.status, 404);
    assert.equal(codeOf(res.body), "unimplemented");
  });

  it("rejects a wrong method (405) and a wrong content-type (415)", async () => {
    const get = await post(UNARY, ok, {}, "GET");
    assert.equal(get.status, 405);
    assert.equal(get.headers["allow"], "POST");
    const json = await post(UNARY, ok, { "content-type": "application/json" });
    assert.equal(json.status, 415);
    const streamType = await post(UNARY, ok, { "content-type": "application/connect+proto" });
    assert.equal(streamType.status, 415);
  });

  it("rejects a malformed timeout, a wrong protocol version and a compression it does not speak", async () => {
    assert.equal(codeOf((await post(UNARY, ok, { "connect-timeout-ms": "12345678901" })).body), "invalid_argument");
    assert.equal(codeOf((await post(UNARY, ok, { "connect-protocol-version": "2" })).body), "invalid_argument");
    assert.equal(codeOf((await post(UNARY, ok, { "content-encoding": "gzip" })).body), "unimplemented");
  });

  it("rejects a body that is not the request message", async () => {
    const res = await post(UNARY, Buffer.from([0xff, 0xff, 0xff, 0xff]));
    assert.equal(res.status, 400);
    assert.equal(codeOf(res.body), "invalid_argument");
  });

  it("bounds the request body", async () => {
    const res = await post(UNARY, Buffer.alloc(4096));
    assert.equal(res.status, 429);
    assert.equal(codeOf(res.body), "resource_exhausted");
  });

  it("ends a stream with invalid_argument for bad, huge, truncated, compressed or extra envelopes", async () => {
    const msg = encodeEnvelope(0, Buffer.alloc(0));
    const bodies = [
      Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 1, 2]),
      msg.subarray(0, 3),
      encodeEnvelope(0, Buffer.from("abc")).subarray(0, 6),
      encodeEnvelope(1, Buffer.alloc(0)),
      Buffer.concat([msg, msg]),
      Buffer.alloc(0),
    ];
    for (const body of bodies) {
      const res = await stream(body);
      assert.equal(res.status, 200);
      assert.equal(endStreamCode(res.body), "invalid_argument", body.toString("hex"));
    }
  });

  it("survives a caller that disconnects mid-body", async () => {
    await new Promise<void>((resolve) => {
      const [host, port] = scripted.address.split(":");
      const socket = netConnect(Number(port), host, () => {
        socket.write(
          `POST ${UNARY} HTTP/1.1\r\nhost: x\r\ncontent-type: application/proto\r\ncontent-length: 100\r\n\r\nab`,
        );
        socket.destroy();
        resolve();
      });
    });
    const res = await post(UNARY, ok);
    assert.equal(res.status, 200);
  });

  it("refuses new calls with retryable unavailable while draining", async () => {
    scripted.draining = true;
    try {
      const res = await post(UNARY, ok);
      assert.equal(res.status, 503);
      assert.equal(codeOf(res.body), "unavailable");
      assert.equal(res.headers["connection"], "close");
    } finally {
      scripted.draining = false;
    }
  });
});
