// A fake Cohere v2 Chat API (https://docs.cohere.com/reference/chat): Bearer auth, Cohere's {"message": ...} error
// bodies, deterministic answers with billed units, and the documented stream events, each named in `event:` and in the
// JSON's `type` (message-start, content-start/-delta/-end, tool-plan-delta, tool-call-start/-delta/-end, message-end),
// closed by `data: [DONE]`.

import { rankDocuments } from "./fake-rerank.js";
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

/** The key the fake Cohere accepts unless told otherwise. */
export const FAKE_COHERE_KEY = "fake-cohere-key-0123456789";

type Body = Record<string, unknown>;

function error(status: number, message: string): JsonReply {
  return { status, body: { message } };
}

interface Answer {
  readonly text?: string;
  readonly tool?: string;
  readonly finish: string;
  readonly usage: Body;
}

function compute(body: Body): Answer {
  const input = tokens(textOf(body.messages));
  const usage = (output: number) => ({
    billed_units: { input_tokens: input, output_tokens: output },
    tokens: { input_tokens: input + 64, output_tokens: output },
  });
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: { name?: string } }>) : [];
  const tool = body.tool_choice === "REQUIRED" ? tools[0]?.function?.name : undefined;
  if (tool) return { tool, finish: "TOOL_CALL", usage: usage(tokens(tool) + 4) };
  const full = replyText("cohere", body.messages);
  const cut = typeof body.max_tokens === "number" && tokens(full) > body.max_tokens;
  const text = cut ? full.slice(0, (body.max_tokens as number) * 4) : full;
  return { text, finish: cut ? "MAX_TOKENS" : "COMPLETE", usage: usage(tokens(text)) };
}

const PLAN = "I will call the tool.";
const toolCall = (name: string) => ({ id: `${name}_fake0`, type: "function", function: { name, arguments: "{}" } });

/** Cohere's v2 rerank answer (https://docs.cohere.com/reference/rerank): indices and scores, one search unit. */
function rerank(body: Body, n: number): unknown {
  const ranked = rankDocuments(String(body.query), body.documents as unknown[]);
  const top = typeof body.top_n === "number" ? ranked.slice(0, body.top_n) : ranked;
  return {
    id: `fake-rerank-${n}`,
    results: top.map((r) => ({ index: r.index, relevance_score: r.score })),
    meta: { api_version: { version: "2" }, billed_units: { search_units: 1 } },
  };
}

function answer(body: Body, n: number): unknown {
  if ("query" in body) return rerank(body, n); // only /v2/rerank gets here with a query
  const a = compute(body);
  const message = a.tool
    ? { role: "assistant", tool_plan: PLAN, tool_calls: [toolCall(a.tool)] }
    : { role: "assistant", content: [{ type: "text", text: a.text }] };
  return { id: `fake-generation-${n}`, message, finish_reason: a.finish, usage: a.usage };
}

function stream(body: Body, n: number): string[] {
  const a = compute(body);
  const frames: Body[] = [
    {
      id: `fake-generation-${n}`,
      type: "message-start",
      delta: { message: { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] } },
    },
  ];
  if (a.tool) {
    for (const piece of words(PLAN)) frames.push({ type: "tool-plan-delta", delta: { message: { tool_plan: piece } } });
    const call = { ...toolCall(a.tool), function: { name: a.tool, arguments: "" } };
    frames.push({ type: "tool-call-start", index: 0, delta: { message: { tool_calls: call } } });
    const args = { function: { arguments: "{}" } };
    frames.push({ type: "tool-call-delta", index: 0, delta: { message: { tool_calls: args } } });
    frames.push({ type: "tool-call-end", index: 0 });
  } else {
    frames.push({ type: "content-start", index: 0, delta: { message: { content: { type: "text", text: "" } } } });
    for (const piece of words(a.text ?? "")) {
      frames.push({ type: "content-delta", index: 0, delta: { message: { content: { text: piece } } } });
    }
    frames.push({ type: "content-end", index: 0 });
  }
  frames.push({ type: "message-end", delta: { finish_reason: a.finish, usage: a.usage } });
  return [...frames.map((f) => `event: ${f.type}\ndata: ${JSON.stringify(f)}\n\n`), "data: [DONE]\n\n"];
}

function check(apiKey: string, req: RecordedRequest): JsonReply | undefined {
  if (req.headers.authorization !== `Bearer ${apiKey}`) return error(401, "invalid api token");
  const body = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return error(400, "invalid request: invalid json");
  const b = body as Body;
  if (typeof b.model !== "string") return error(400, "invalid request: model is required");
  if (req.path === "/v2/rerank") {
    if (typeof b.query !== "string") return error(400, "invalid request: query is required");
    if (!Array.isArray(b.documents) || !b.documents.every((d) => typeof d === "string"))
      return error(400, "invalid request: documents must be a list of strings");
    return undefined;
  }
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    return error(400, "invalid request: messages must contain at least one message");
  }
  return undefined;
}

/** Starts a fake Cohere API; deployments point `api_base` at its `url` and it serves POST /v2/chat and /v2/rerank. */
export function startFakeCohere(options: FakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_COHERE_KEY;
  const provider: FakeProvider = {
    path: "/v2/chat",
    serves: (path) => path === "/v2/chat" || path === "/v2/rerank",
    check: (req) => check(apiKey, req),
    notFound: () => error(404, "not found"),
    answer,
    stream,
  };
  return startFake(provider);
}
