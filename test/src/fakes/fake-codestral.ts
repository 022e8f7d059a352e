// A fake Mistral Codestral fill-in-the-middle API (https://docs.mistral.ai/api/#tag/fim): `POST /v1/fim/completions`
// with `{model, prompt, suffix?, max_tokens?, stream?, ...}`, Bearer auth, Mistral's error bodies, answered in
// Mistral's chat shape (`choices[].message.content`) with usage, or streamed as `CompletionChunk` frames.
import {
  type FakeOptions,
  type FakeProvider,
  type FakeUpstream,
  type JsonReply,
  type RecordedRequest,
  startFake,
  tokens,
  words,
} from "./fake-server.js";

/** The key the fake Codestral accepts unless told otherwise. */
export const FAKE_CODESTRAL_KEY = "fake-codestral-key";

type Body = Record<string, unknown>;

function error(status: number, message: string, type: string): JsonReply {
  return { status, body: { object: "error", message, type, param: null, code: null } };
}

/** Fills the middle: the text between prompt and suffix, cut to max_tokens. */
function answer(body: Body, n: number): unknown {
  const prompt = String(body.prompt);
  const suffix = typeof body.suffix === "string" ? body.suffix : "";
  const full = `  return a + b  # between ${prompt.length} and ${suffix.length} chars`;
  const limit = typeof body.max_tokens === "number" ? body.max_tokens : Number.POSITIVE_INFINITY;
  const cut = tokens(full) > limit;
  const content = cut ? full.slice(0, limit * 4) : full;
  const promptTokens = tokens(prompt) + tokens(suffix);
  return {
    id: `fim-fake-${n}`,
    object: "chat.completion",
    model: String(body.model),
    created: 1_700_000_000 + n,
    choices: [
      { index: 0, message: { role: "assistant", content, tool_calls: null }, finish_reason: cut ? "length" : "stop" },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: tokens(content),
      total_tokens: promptTokens + tokens(content),
    },
  };
}

/**
 * The streamed FIM answer (`stream: true`) in Mistral's `CompletionChunk` frames: the content word by word as
 * `choices[].delta.content`, the finish reason and usage on the last frame, then `data: [DONE]`.
 */
function fimStream(body: Body, n: number): string[] {
  const whole = answer(body, n) as {
    id: string;
    model: string;
    created: number;
    choices: Array<{ message: { content: string }; finish_reason: string }>;
    usage: unknown;
  };
  const choice = whole.choices[0]!;
  const base = { id: whole.id, object: "chat.completion.chunk", created: whole.created, model: whole.model };
  const pieces = words(choice.message.content);
  const frames: unknown[] = [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
  ];
  pieces.forEach((content, i) => {
    const last = i === pieces.length - 1;
    frames.push({
      ...base,
      choices: [{ index: 0, delta: { content }, finish_reason: last ? choice.finish_reason : null }],
      ...(last ? { usage: whole.usage } : {}),
    });
  });
  return [...frames.map((f) => `data: ${JSON.stringify(f)}\n\n`), "data: [DONE]\n\n"];
}

function check(apiKey: string, req: RecordedRequest): JsonReply | undefined {
  if (req.headers.authorization !== `Bearer ${apiKey}`) return error(401, "Unauthorized", "invalid_request_error");
  const b = req.body as Body | null;
  if (typeof b !== "object" || b === null) return error(400, "Invalid JSON", "invalid_request_error");
  if (typeof b.model !== "string") return error(422, "model: Field required", "invalid_request_error");
  if (typeof b.prompt !== "string")
    return error(422, "prompt: Input should be a valid string", "invalid_request_error");
  return undefined;
}

/** Starts a fake Codestral FIM API; deployments point `api_base` at `${url}/v1`. */
export function startFakeCodestral(options: FakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_CODESTRAL_KEY;
  const provider: FakeProvider = {
    path: "/v1/fim/completions",
    check: (req) => check(apiKey, req),
    notFound: () => error(404, "Not Found", "invalid_request_error"),
    answer,
    stream: fimStream,
  };
  return startFake(provider);
}
