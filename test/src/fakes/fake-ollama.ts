// A fake Ollama server (https://github.com/ollama/ollama/blob/main/docs/api.md): POST /api/chat answering one JSON
// object, or NDJSON lines (`done: false` pieces, then `done: true` with done_reason and the token counts) when
// `stream` is true or absent (Ollama streams by default); POST /api/embed; `{"error": "..."}` bodies. No key is
// needed unless the fake is started with one (a proxy in front of Ollama), then a Bearer token is checked.

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

type Body = Record<string, unknown>;
const CREATED_AT = "2026-12-06T10:00:00.000000Z";

function error(status: number, message: string): JsonReply {
  return { status, body: { error: message } };
}

/** A tool call when the request offers tools and the last user message asks to "look it up". */
function compute(body: Body) {
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: { name?: string } }>) : [];
  const messages = Array.isArray(body.messages) ? (body.messages as Body[]) : [];
  const last = messages.findLast((m) => m.role === "user");
  const tool = tools.length > 0 && /look it up/.test(String(last?.content)) ? tools[0]?.function?.name : undefined;
  const text = tool ? "" : replyText("ollama", body.messages);
  const options = (body.options ?? {}) as Body;
  const limit = typeof options.num_predict === "number" ? options.num_predict : undefined;
  const cut = limit !== undefined && tokens(text) > limit;
  const content = cut ? text.slice(0, (limit ?? 0) * 4) : text;
  return {
    tool,
    content,
    reason: cut ? "length" : "stop",
    prompt: tokens(textOf(body.messages)),
    output: tokens(content) + 1,
  };
}

function answer(body: Body): unknown {
  if (Array.isArray(body.input)) {
    const input = body.input as string[];
    return {
      model: body.model,
      embeddings: input.map((text) => [text.length / 100, 0.5, -0.25]),
      prompt_eval_count: tokens(input.join("")),
    };
  }
  const a = compute(body);
  const toolCalls = a.tool ? [{ function: { name: a.tool, arguments: { q: "cat" } } }] : undefined;
  return {
    model: body.model,
    created_at: CREATED_AT,
    message: { role: "assistant", content: a.content, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
    done: true,
    done_reason: a.reason,
    total_duration: 1_000_000,
    prompt_eval_count: a.prompt,
    eval_count: a.output,
  };
}

function stream(body: Body): string[] {
  const a = compute(body);
  const line = (message: Body, done = false, extra: Body = {}) =>
    `${JSON.stringify({ model: body.model, created_at: CREATED_AT, message: { role: "assistant", ...message }, done, ...extra })}\n`;
  const lines = words(a.content).map((piece) => line({ content: piece }));
  if (a.tool) lines.push(line({ content: "", tool_calls: [{ function: { name: a.tool, arguments: { q: "cat" } } }] }));
  lines.push(line({ content: "" }, true, { done_reason: a.reason, prompt_eval_count: a.prompt, eval_count: a.output }));
  return lines;
}

function check(apiKey: string | undefined, req: RecordedRequest): JsonReply | undefined {
  if (apiKey && req.headers.authorization !== `Bearer ${apiKey}`) return error(401, "unauthorized");
  const b = req.body;
  if (typeof b !== "object" || b === null || Array.isArray(b))
    return error(400, "invalid character looking for beginning of value");
  const body = b as Body;
  if (typeof body.model !== "string" || !body.model) return error(400, "model is required");
  if (body.model.startsWith("missing")) return error(404, `model "${body.model}" not found, try pulling it first`);
  if (req.path === "/api/embed") return Array.isArray(body.input) ? undefined : error(400, "input is required");
  if (!Array.isArray(body.messages)) return error(400, "messages are required");
  return undefined;
}

/** Starts a fake Ollama; deployments point `api_base` at its `url`. */
export function startFakeOllama(options: FakeOptions = {}): Promise<FakeUpstream> {
  const provider: FakeProvider = {
    path: "/api/chat",
    serves: (path) => path === "/api/chat" || path === "/api/embed",
    streams: (req) => req.path === "/api/chat" && (req.body as Body | undefined)?.stream !== false,
    check: (req) => check(options.apiKey, req),
    notFound: () => error(404, "404 page not found"),
    answer,
    stream,
    streamContentType: "application/x-ndjson",
  };
  return startFake(provider);
}
