// The timeout model through the real mesh (docs/routing.md#timeouts): first-token, idle and total limits per model
// group, and deadlines carried from the client through ingress and router to the provider worker.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { type Mesh, startMesh } from "@switchyard/launcher";
import { gateway, llm } from "@switchyard/proto";
import { callStream, createClient, GatewayError } from "@switchyard/runtime";
import { MASTER_KEY } from "./setup.js";

const CONFIG = `
model_list:
  - model_name: slow-stream
    litellm_params: { model: mock/slow, mock_chunks: 20, mock_latency_ms: 400 }
    model_info: { id: slow-stream }
  - model_name: long-stream
    litellm_params: { model: mock/long, mock_chunks: 20, mock_latency_ms: 400 }
    model_info: { id: long-stream }
  - model_name: stall
    litellm_params: { model: mock/stall, mock_chunks: 3, mock_latency_ms: 8000 }
    model_info: { id: stall }
  - model_name: late-first
    litellm_params: { model: mock/late, mock_chunks: 2, mock_ttft_ms: 8000 }
    model_info: { id: late-first }
  - model_name: backup
    litellm_params: { model: mock/backup, mock_chunks: 2 }
    model_info: { id: backup }
  - model_name: slow-answer
    litellm_params: { model: mock/slow-answer, mock_latency_ms: 8000 }
    model_info: { id: slow-answer }
  - model_name: frozen
    litellm_params: { model: mock/frozen, mock_chunks: 3, mock_latency_ms: 1000 }
    model_info: { id: frozen }
router_settings:
  num_retries: 0
  fallbacks: [{ late-first: [backup] }]
  model_group_timeouts:
    slow-stream: { total_timeout: 3 }
    stall: { stream_timeout: 0.5 }
    late-first: { first_token_timeout: 0.5 }
    slow-answer: { total_timeout: 2 }
    frozen: { stream_timeout: 0.5 }
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
`;

let mesh: Mesh;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-timeouts-e2e-"));
  writeFileSync(join(dir, "config.yaml"), CONFIG);
  mesh = await startMesh({ configPath: join(dir, "config.yaml"), env: { SWITCHYARD_MASTER_KEY: MASTER_KEY } });
});
after(async () => {
  await mesh?.stop();
});

interface Sse {
  status: number;
  headers: Headers;
  events: Array<Record<string, unknown> | "[DONE]">;
  elapsedMs: number;
}

async function chat(model: string, stream: boolean): Promise<Sse> {
  const started = Date.now();
  const res = await fetch(`${mesh.restUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      model,
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
      messages: [{ role: "user", content: "count slowly" }],
    }),
  });
  const text = await res.text();
  const events = stream
    ? text
        .split("\n\n")
        .filter((e) => e.startsWith("data: "))
        .map((e) => (e === "data: [DONE]" ? "[DONE]" : (JSON.parse(e.slice(6)) as Record<string, unknown>)))
    : [JSON.parse(text) as Record<string, unknown>];
  return { status: res.status, headers: res.headers, events, elapsedMs: Date.now() - started };
}

/** Asserts a stream was cut: content chunks, then the usage counted so far, then an error event, never [DONE]. */
function assertCutWithUsage(sse: Sse, limit: RegExp): void {
  const { events } = sse;
  assert.equal(sse.status, 200);
  assert.ok(!events.includes("[DONE]"), "a cut stream never ends with [DONE]");
  const last = events.at(-1) as { error?: { code?: string; message?: string } };
  assert.equal(last.error?.code, "timeout", JSON.stringify(events));
  assert.match(last.error?.message ?? "", limit);
  const usage = events.at(-2) as { choices?: unknown[]; usage?: { prompt_tokens: number; completion_tokens: number } };
  assert.deepEqual(usage.choices, [], "the usage chunk has no choices");
  assert.ok((usage.usage?.prompt_tokens ?? 0) > 0, JSON.stringify(usage));
  assert.ok((usage.usage?.completion_tokens ?? 0) > 0, "what was generated before the cut is counted");
  const content = events.slice(0, -2) as Array<{ choices?: unknown[] }>;
  assert.ok(content.length >= 1 && content.every((e) => (e.choices?.length ?? 0) > 0));
}

describe("timeouts through the mesh", () => {
  it("cuts a stream that stalls for its group's stream_timeout, with the usage so far before the error", async () => {
    const sse = await chat("stall", true);
    assertCutWithUsage(sse, /stream_timeout/);
    assert.ok(sse.elapsedMs < 6_000, `ended after ${sse.elapsedMs} ms, long before the 8 s stall was over`);
  });

  it("ends a stream at its group's total_timeout, with the usage so far", async () => {
    const sse = await chat("slow-stream", true);
    assertCutWithUsage(sse, /total_timeout/);
    // 20 chunks 400 ms apart would take 8 s; the 3 s total ends it (the worker ends it a little early).
    assert.ok(sse.elapsedMs >= 2_000 && sse.elapsedMs < 6_000, `ended after ${sse.elapsedMs} ms`);
  });

  it("falls back when the first chunk does not come within first_token_timeout", async () => {
    const sse = await chat("late-first", true);
    assert.equal(sse.status, 200);
    assert.equal(sse.headers.get("x-switchyard-deployment"), "backup");
    assert.equal(sse.headers.get("x-switchyard-attempts"), "2");
    assert.equal(sse.events.at(-1), "[DONE]");
    assert.ok(sse.elapsedMs < 6_000, `answered after ${sse.elapsedMs} ms, without waiting the 8 s first chunk out`);
  });

  it("cuts a stream in the router when its provider worker stops answering mid-stream", {
    timeout: 20_000,
  }, async () => {
    const worker = mesh.processes.find((p) => p.name === "provider-worker");
    assert.ok(worker);
    const started = Date.now();
    const res = await fetch(`${mesh.restUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "frozen", stream: true, messages: [{ role: "user", content: "count slowly" }] }),
    });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let frozen = false;
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        text += read.value;
        // The worker freezes after its first chunk, before its own 0.5 s stream_timeout could end the stream.
        if (!frozen && text.includes("data: ")) {
          process.kill(worker.pid, "SIGSTOP");
          frozen = true;
        }
      }
    } finally {
      if (frozen) process.kill(worker.pid, "SIGCONT");
    }
    const events = text.split("\n\n").filter((e) => e.startsWith("data: "));
    assert.ok(!events.includes("data: [DONE]"), "a cut stream never ends with [DONE]");
    const last = JSON.parse((events.at(-1) as string).slice(6)) as { error?: { code?: string; message?: string } };
    assert.equal(last.error?.code, "timeout", text);
    assert.match(last.error?.message ?? "", /provider worker sent nothing in time/);
    // The router's backstop is the group's stream_timeout plus 2 s.
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 2_000 && elapsed < 8_000, `cut after ${elapsed} ms`);
  });

  it("answers 504 when a non-streamed request outlasts its total_timeout", async () => {
    const res = await chat("slow-answer", false);
    assert.equal(res.status, 504);
    const body = res.events[0] as { error?: { code?: string } };
    assert.equal(body.error?.code, "timeout");
    assert.ok(res.elapsedMs < 6_000, `answered after ${res.elapsedMs} ms, long before the 8 s answer`);
  });

  it("carries a gRPC client's deadline through every hop: the worker ends the stream before the client gives up", async () => {
    const client = createClient(mesh.grpcAddress);
    try {
      const md = new grpc.Metadata();
      md.set("authorization", `Bearer ${MASTER_KEY}`);
      const request = create(llm.ChatCompletionRequestSchema, {
        model: "long-stream",
        includeUsage: true,
        messages: [{ role: llm.Role.USER, content: { case: "text", value: "count slowly" } }],
      });
      const started = Date.now();
      const stream = callStream(
        client,
        gateway.GatewayService.method.streamChatCompletion,
        create(gateway.StreamChatCompletionRequestSchema, { request }),
        { metadata: md, deadline: started + 3_000 },
      );
      const received: gateway.StreamChatCompletionResponse[] = [];
      await assert.rejects(
        (async () => {
          for await (const msg of stream as AsyncIterable<gateway.StreamChatCompletionResponse>) received.push(msg);
        })(),
        (err: unknown) => {
          const error = GatewayError.from(err);
          assert.equal(error.errorClass, llm.ErrorClass.TIMEOUT);
          // The client's own expiry would say only "Deadline exceeded": this came from the worker.
          assert.match(error.message, /total_timeout/);
          return true;
        },
      );
      assert.ok(Date.now() - started < 3_000, "the error arrived before the client's own deadline");
      assert.ok(
        received.some((m) => m.chunk?.usage && m.chunk.choices.length === 0),
        "the usage so far came first",
      );
      assert.ok(
        received.some((m) => m.charge),
        "and what it cost",
      );
    } finally {
      client.close();
    }
  });
});
