import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Form } from "@switchyard/openai";
import { GatewayError } from "@switchyard/runtime";
import { readForm } from "./multipart.js";

const LIMIT = 64 * 1024;
const BOUNDARY = "----switchyard-test";

function part(name: string, value: string | Buffer, file?: string): Buffer {
  const disposition = file
    ? `form-data; name="${name}"; filename="${file}"\r\nContent-Type: audio/wav`
    : `form-data; name="${name}"`;
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n\r\n`),
    Buffer.isBuffer(value) ? value : Buffer.from(value),
    Buffer.from("\r\n"),
  ]);
}

const body = (...parts: Buffer[]) => Buffer.concat([...parts, Buffer.from(`--${BOUNDARY}--\r\n`)]);

describe("readForm", () => {
  let server: Server;
  let url: URL;
  let outcome: Promise<Form | GatewayError>;
  before(async () => {
    server = createServer((req, res) => {
      outcome = readForm(req, LIMIT).catch((err: GatewayError) => err);
      void outcome.then(() => res.end());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  /** Sends `payload` chunked (no Content-Length) unless `length` is set, in pieces, and returns what readForm made. */
  async function send(payload: Buffer, headers: Record<string, string> = {}): Promise<Form | GatewayError> {
    await new Promise<void>((resolve) => {
      const req = request(url, {
        method: "POST",
        headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
      });
      req.on("response", (res) => res.resume().on("end", resolve));
      req.on("error", () => resolve());
      for (let i = 0; i < payload.length; i += 8192) req.write(payload.subarray(i, i + 8192));
      req.end();
    });
    return outcome;
  }

  it("reads text fields (repeated ones kept) and files", async () => {
    const form = await send(
      body(
        part("model", "whisper-1"),
        part("g[]", "word"),
        part("g[]", "segment"),
        part("file", Buffer.alloc(100, 7), "a.wav"),
      ),
    );
    assert.ok(!(form instanceof GatewayError));
    assert.deepEqual(form.fields.get("model"), ["whisper-1"]);
    assert.deepEqual(form.fields.get("g[]"), ["word", "segment"]);
    const file = form.files.get("file");
    assert.equal(file?.filename, "a.wav");
    assert.equal(file?.contentType, "audio/wav");
    assert.equal(file?.data.length, 100);
  });

  it("stops a chunked upload with a 413 once it passes the limit, and refuses a declared length over it", async () => {
    const big = body(part("model", "m"), part("file", Buffer.alloc(LIMIT + 1), "big.wav"));
    const chunked = await send(big);
    assert.ok(chunked instanceof GatewayError);
    assert.equal(chunked.detail.httpStatus, 413);
    const declared = await send(big, { "content-length": String(big.length) });
    assert.ok(declared instanceof GatewayError);
    assert.equal(declared.detail.httpStatus, 413);
  });

  it("refuses a body that is not multipart", async () => {
    const res = await send(Buffer.from("{}"), { "content-type": "application/json" });
    assert.ok(res instanceof GatewayError);
    assert.equal(res.detail.httpStatus, 400);
  });
});
