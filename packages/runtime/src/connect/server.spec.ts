import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { llm, policy } from "@switchyard/proto";
import { request } from "undici";
import { GatewayError } from "../errors.js";
import { callUnary, createConnectClient } from "./client.js";
import { callStream } from "./client-stream.js";
import { failure, RICH_ERROR, type Scripted, startScripted } from "./testkit.js";

const { authorize, watchInvalidations } = policy.PolicyService.method;
let scripted: Scripted;
let client: ReturnType<typeof createConnectClient>;

before(async () => {
  scripted = await startScripted();
  client = createConnectClient(scripted.address, { connections: 8 });
});
after(async () => {
  await client.close();
  await scripted.close();
});

const ask = (credential: string, options = {}) =>
  callUnary(client, authorize, create(policy.AuthorizeRequestSchema, { credential, model: "m" }), options);

async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const m of stream) out.push(m);
  return out;
}

describe("Connect unary", () => {
  it("returns the message with its headers and trailers", async () => {
    const res = await ask("ok");
    assert.equal(res.value.keyId, "m");
    assert.equal(res.headers["x-switchyard-deployment"], "dep-7");
    assert.equal(res.trailers["x-trailer"], "t1");
  });

  it("raises the classified error, detail and route headers intact", async () => {
    const err = await failure(ask("fail"));
    const sent = new GatewayError(RICH_ERROR);
    assert.deepEqual(toBinary(llm.ErrorSchema, err.detail), toBinary(llm.ErrorSchema, sent.detail));
    assert.equal(err.meta["x-switchyard-deployment"], "dep-7");
    assert.equal(err.meta["x-trailer"], "t1");
  });

  it("never leaks an unclassified error's message", async () => {
    const err = await failure(ask("boom"));
    assert.equal(err.errorClass, llm.ErrorClass.INTERNAL);
    assert.equal(err.message, "internal error");
  });

  it("times out at the deadline and aborts the server's signal", async () => {
    const started = Date.now();
    const before = scripted.aborts.length;
    const err = await failure(ask("hang", { deadline: Date.now() + 100 }));
    assert.equal(err.errorClass, llm.ErrorClass.TIMEOUT);
    assert.ok(Date.now() - started < 1_000);
    await waitFor(() => scripted.aborts.length > before);
  });

  it("enforces connect-timeout-ms on the server with deadline_exceeded", async () => {
    const body = toBinary(policy.AuthorizeRequestSchema, create(policy.AuthorizeRequestSchema, { credential: "hang" }));
    const res = await request(`http://${scripted.address}/${authorize.parent.typeName}/Authorize`, {
      method: "POST",
      headers: { "content-type": "application/proto", "connect-timeout-ms": "100" },
      body,
    });
    assert.equal(res.statusCode, 504);
    assert.equal(((await res.body.json()) as { code: string }).code, "deadline_exceeded");
    const reason = scripted.aborts.at(-1);
    assert.ok(reason instanceof GatewayError && reason.errorClass === llm.ErrorClass.TIMEOUT);
  });

  it("answers a deadline with the handler's own explanation when it comes within the grace", async () => {
    const err = await failure(ask("explain", { deadline: Date.now() + 100, deadlineGraceMs: 5_000 }));
    assert.equal(err.errorClass, llm.ErrorClass.TIMEOUT);
    assert.equal(err.message, "explained by the handler");
    assert.equal(err.detail.costNanos, 42n);
  });

  it("answers deadline_exceeded for a handler that ignores its deadline, a grace later", async () => {
    // The caller waits long past its deadline, so the answer is the server's own, not the caller's timer.
    const err = await failure(ask("ignore", { deadline: Date.now() + 100, deadlineGraceMs: 5_000 }));
    assert.equal(err.errorClass, llm.ErrorClass.TIMEOUT);
    assert.equal((err.cause as { code?: string }).code, "deadline_exceeded");
  });

  it("cancels the server's signal when the caller aborts", async () => {
    const controller = new AbortController();
    const before = scripted.aborts.length;
    setTimeout(() => controller.abort(), 50);
    const err = await failure(ask("hang", { signal: controller.signal }));
    assert.equal(err.errorClass, llm.ErrorClass.CANCELLED);
    await waitFor(() => scripted.aborts.length > before);
    const reason = scripted.aborts.at(-1);
    assert.ok(reason instanceof GatewayError && reason.errorClass === llm.ErrorClass.CANCELLED);
  });

  it("reports an unreachable server as retryable unavailable", async () => {
    const dead = createConnectClient("127.0.0.1:1");
    const err = await failure(callUnary(dead, authorize, create(policy.AuthorizeRequestSchema)));
    assert.equal(err.errorClass, llm.ErrorClass.UNAVAILABLE);
    assert.ok(err.retryable);
    await dead.close();
  });
});

describe("Connect server streaming", () => {
  const watch = (mode: string, options = {}) =>
    callStream(client, watchInvalidations, create(policy.WatchInvalidationsRequestSchema), {
      headers: { "x-mode": mode },
      ...options,
    });

  it("yields every message, then the headers and end-stream trailers", async () => {
    const stream = watch("");
    const got = await drain(stream);
    assert.deepEqual(
      got.map((m) => m.keyIds[0]),
      ["k0", "k1", "k2"],
    );
    assert.equal(stream.headers["x-switchyard-deployment"], "dep-7");
    assert.equal(stream.trailers["x-trailer"], "t2");
  });

  it("throws the end-stream error after the messages sent before it", async () => {
    const got: string[] = [];
    const err = await failure(
      (async () => {
        for await (const m of watch("fail-after")) got.push(m.keyIds[0] ?? "");
      })(),
    );
    assert.deepEqual(got, ["k0"]);
    assert.equal(err.errorClass, llm.ErrorClass.UNAVAILABLE);
    assert.equal(err.message, "gone");
  });

  it("fails before any message with the route headers in the error", async () => {
    const err = await failure(drain(watch("fail-before")));
    assert.equal(err.errorClass, llm.ErrorClass.PERMISSION_DENIED);
    assert.equal(err.meta["x-switchyard-deployment"], "dep-7");
  });

  it("cancels the server's signal when the caller cancels mid-stream", async () => {
    const before = scripted.aborts.length;
    const stream = watch("hang");
    const it = stream[Symbol.asyncIterator]();
    assert.equal((await it.next()).done, false);
    stream.cancel();
    const err = await failure(it.next());
    assert.equal(err.errorClass, llm.ErrorClass.CANCELLED);
    await waitFor(() => scripted.aborts.length > before);
  });

  it("times out a stream at its deadline", async () => {
    const err = await failure(drain(watch("hang", { deadline: Date.now() + 100 })));
    assert.equal(err.errorClass, llm.ErrorClass.TIMEOUT);
  });
});

async function waitFor(check: () => boolean, ms = 1_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("expected the condition within a second");
    await new Promise((r) => setTimeout(r, 10));
  }
}
