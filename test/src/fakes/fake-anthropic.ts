// A fake Anthropic Messages API (https://docs.anthropic.com/en/api/messages): `x-api-key` and
// `anthropic-version` checks, Anthropic's error bodies, deterministic answers with usage, and the
// documented stream event sequence (message_start, content_block_*, ping, message_delta, message_stop).

import {
  type FakeOptions,
  type FakeProvider,
  type FakeUpstream,
  type JsonReply,
  type RecordedRequest,
  replyText,
  startFake,
  textOf,
  tokens,
  words,
} from "./fake-server.js";

/** The key the fake Anthropic accepts unless told otherwise. */
export const FAKE_ANTHROPIC_KEY = "sk-fake-anthropic";

type Body = Record<string, unknown>;

function error(status: number, type: string, message: string): JsonReply {
  return { status, body: { type: "error", error: { type, message }, request_id: "req_fake" } };
}

/** The tool a request forces: tool_choice `any` takes the first tool, `tool` names one. */
function forcedTool(body: Body): string | undefined {
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ name?: string }>) : [];
  const choice = body.tool_choice as { type?: string; name?: string } | undefined;
  if (tools.length === 0 || !choice) return undefined;
  if (choice.type === "any") return tools[0]?.name;
  return choice.type === "tool" ? choice.name : undefined;
}

interface Answer {
  text?: string;
  toolName?: string;
  stop: string;
  input: number;
  output: number;
}

function compute(body: Body): Answer {
  const input = tokens(textOf(body.system) + textOf(body.messages));
  const tool = forcedTool(body);
  if (tool !== undefined) return { toolName: tool, stop: "tool_use", input, output: tokens(tool) + 1 };
  const full = replyText("anthropic", body.messages);
  const limit = typeof body.max_tokens === "number" ? body.max_tokens : Number.POSITIVE_INFINITY;
  const cut = tokens(full) > limit;
  const text = cut ? full.slice(0, limit * 4) : full;
  return { text, stop: cut ? "max_tokens" : "end_turn", input, output: tokens(text) };
}

function usage(a: Answer, output: number) {
  return { input_tokens: a.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: output };
}

function answer(body: Body, n: number): unknown {
  const a = compute(body);
  const content = a.toolName
    ? [{ type: "tool_use", id: `toolu_fake${n}`, name: a.toolName, input: {} }]
    : [{ type: "text", text: a.text }];
  return {
    id: `msg_fake${n}`,
    type: "message",
    role: "assistant",
    model: String(body.model),
    content,
    stop_reason: a.stop,
    stop_sequence: null,
    usage: usage(a, a.output),
  };
}

function frame(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function stream(body: Body, n: number): string[] {
  const a = compute(body);
  const message = {
    id: `msg_fake${n}`,
    type: "message",
    role: "assistant",
    model: String(body.model),
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: usage(a, 1),
  };
  const frames = [frame("message_start", { message })];
  if (a.toolName) {
    frames.push(
      frame("content_block_start", {
        index: 0,
        content_block: { type: "tool_use", id: `toolu_fake${n}`, name: a.toolName, input: {} },
      }),
    );
    frames.push(`event: ping\ndata: {"type": "ping"}\n\n`);
    frames.push(frame("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "" } }));
    frames.push(frame("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "{}" } }));
  } else {
    frames.push(frame("content_block_start", { index: 0, content_block: { type: "text", text: "" } }));
    frames.push(`event: ping\ndata: {"type": "ping"}\n\n`);
    for (const piece of words(a.text ?? ""))
      frames.push(frame("content_block_delta", { index: 0, delta: { type: "text_delta", text: piece } }));
  }
  frames.push(frame("content_block_stop", { index: 0 }));
  frames.push(
    frame("message_delta", { delta: { stop_reason: a.stop, stop_sequence: null }, usage: { output_tokens: a.output } }),
  );
  frames.push(frame("message_stop", {}));
  return frames;
}

function check(apiKey: string, req: RecordedRequest): JsonReply | undefined {
  if (req.headers["x-api-key"] !== apiKey) return error(401, "authentication_error", "invalid x-api-key");
  if (!req.headers["anthropic-version"])
    return error(400, "invalid_request_error", "anthropic-version: header is required");
  const body = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return error(400, "invalid_request_error", "There was an issue with your request body: expected a JSON object");
  }
  const b = body as Body;
  if (typeof b.model !== "string") return error(400, "invalid_request_error", "model: Field required");
  if (typeof b.max_tokens !== "number") return error(400, "invalid_request_error", "max_tokens: Field required");
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    return error(400, "invalid_request_error", "messages: at least one message is required");
  }
  return undefined;
}

/**
 * Starts a fake Anthropic API. Deployments point `api_base` at `url`; it serves POST /v1/messages and
 * checks `x-api-key` (default FAKE_ANTHROPIC_KEY) and that `anthropic-version` is present.
 */
export function startFakeAnthropic(options: FakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_ANTHROPIC_KEY;
  const provider: FakeProvider = {
    path: "/v1/messages",
    check: (req) => check(apiKey, req),
    notFound: (path) => error(404, "not_found_error", `Not found: ${path}`),
    answer,
    stream,
  };
  return startFake(provider);
}

/** The default answer and stream, for fakes of platforms that serve Claude (Vertex AI's rawPredict). */
export { answer as anthropicAnswer, stream as anthropicStream };
