import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { llm, policy } from "@switchyard/proto";
import { type ConnectClient, callUnary, createConnectClient } from "./client.js";
import { callStream } from "./client-stream.js";
import { encodeEnvelope } from "./envelope.js";
import { failure } from "./testkit.js";

// What the undici dispatch handler behind every internal call must get right: a call stopped while it waits for a
// connection, response size limits, informational responses, and a slow reader pausing a fast stream.

const answer = Buffer.from(
  toBinary(policy.AuthorizeResponseSchema, create(policy.AuthorizeResponseSchema, { keyId: "k-1" })),
);
/** A key id just under the client's 1 KiB message limit. */
const KEY = "k".repeat(900);
const watchMessage = Buffer.from(
  toBinary(policy.WatchInvalidationsResponseSchema, create(policy.WatchInvalidationsResponseSchema, { keyIds: [KEY] })),
);
/** Messages the `flood` stream sends: about 18 MB, far more than the client buffers and the sockets hold together. */
const FLOOD = 20_000;

let server: Server;
let client: ConnectClient;
const seen: string[] = [];
const hanging: ServerResponse[] = [];
const flood = { written: 0, done: false };

function serve(req: IncomingMessage, res: ServerResponse): void {
  const mode = String(req.headers["x-mode"]);
  seen.push(mode);
  req.resume();
  if (mode === "hang") return void hanging.push(res);
  if (mode === "large") return void res.writeHead(200, { "content-type": "application/proto" }).end(Buffer.alloc(2048));
  if (mode === "hints") {
    res.writeEarlyHints({ link: "</x>; rel=preload" });
    return void res.writeHead(200, { "content-type": "application/proto" }).end(answer);
  }
  if (mode === "flood") {
    res.writeHead(200, { "content-type": "application/connect+proto" });
    const frame = encodeEnvelope(0, watchMessage);
    const pump = () => {
      while (flood.written < FLOOD) {
        flood.written++;
        if (!res.write(frame)) return void res.once("drain", pump);
      }
      flood.done = true;
      res.end(encodeEnvelope(2, Buffer.from("{}")));
    };
    pump();
    return;
  }
  res.writeHead(200, { "content-type": "application/proto" }).end(answer);
}

before(async () => {
  server = createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  client = createConnectClient(`127.0.0.1:${(server.address() as AddressInfo).port}`, {
    connections: 1,
    maxMessageBytes: 1024,
  });
});
after(async () => {
  for (const res of hanging) res.destroy();
  await client.close();
  server.closeAllConnections();
  server.close();
});

const authorize = (mode: string, options: { signal?: AbortSignal; deadline?: number } = {}) =>
  callUnary(client, policy.PolicyService.method.authorize, create(policy.AuthorizeRequestSchema), {
    headers: { "x-mode": mode },
    ...options,
  });

describe("Connect exchanges on undici's dispatch API", () => {
  it("settles a call cancelled while it waits for the only connection, which never sends it", async () => {
    const first = failure(authorize("hang", { deadline: Date.now() + 1_000 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const controller = new AbortController();
    const queued = failure(authorize("queued", { signal: controller.signal }));
    const started = Date.now();
    controller.abort();
    const error = await queued;
    assert.equal(error.errorClass, llm.ErrorClass.CANCELLED);
    assert.ok(Date.now() - started < 500, "a queued call settles at its abort, not when a connection frees up");
    assert.equal((await first).errorClass, llm.ErrorClass.TIMEOUT);
    // Once the connection is free the cancelled call is not sent; the next call is.
    assert.equal((await authorize("after")).value.keyId, "k-1");
    assert.deepEqual(
      seen.filter((mode) => mode !== "large" && mode !== "hints" && mode !== "flood"),
      ["hang", "after"],
    );
  });

  it("fails a call whose signal was aborted before it started, without sending it", async () => {
    const before = seen.length;
    const error = await failure(authorize("never", { signal: AbortSignal.abort() }));
    assert.equal(error.errorClass, llm.ErrorClass.CANCELLED);
    assert.equal(seen.length, before);
  });

  it("refuses a unary response over the message limit and keeps the client usable", async () => {
    const error = await failure(authorize("large"));
    assert.equal(error.errorClass, llm.ErrorClass.INTERNAL);
    assert.equal(error.message, "response message too large");
    assert.equal((await authorize("ok")).value.keyId, "k-1");
  });

  it("passes over informational responses to the real one", async () => {
    const res = await authorize("hints");
    assert.equal(res.value.keyId, "k-1");
    assert.equal(res.headers["content-type"], "application/proto");
  });

  it("pauses a stream the reader does not keep up with, then delivers every message in order", async () => {
    const stream = callStream(
      client,
      policy.PolicyService.method.watchInvalidations,
      create(policy.WatchInvalidationsRequestSchema),
      { headers: { "x-mode": "flood" } },
    );
    const iterator = stream[Symbol.asyncIterator]();
    assert.deepEqual((await iterator.next()).value?.keyIds, [KEY]);
    // The reader stalls: the server soon stops being able to write.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(flood.done, false, "the server could not write the whole stream while nobody read it");
    assert.ok(flood.written < FLOOD, `written ${flood.written}`);
    let count = 1;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) count++;
    assert.equal(count, FLOOD);
    assert.equal(flood.done, true);
  });
});
