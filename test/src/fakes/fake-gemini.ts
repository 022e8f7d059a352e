// A fake Gemini API (https://ai.google.dev/api/generate-content): `x-goog-api-key` check, Google's error bodies
// (`{"error":{"code","message","status"}}`), deterministic answers with usageMetadata, function calls when
// toolConfig forces one, and `:streamGenerateContent?alt=sse` as `data:` frames that each hold a whole
// GenerateContentResponse, the last with the finishReason and the usage totals. The answer and stream builders are
// exported for the Vertex AI fake, whose Gemini models answer the same way.

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

/** The key the fake Gemini API accepts unless told otherwise. */
export const FAKE_GEMINI_KEY = "AIza-fake-gemini-key";

/** `/v1beta/models/{model}:generateContent` or `:streamGenerateContent`. */
const GEMINI_PATH = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

type Body = Record<string, unknown>;

/** A Google error body. */
export function googleError(code: number, status: string, message: string): JsonReply {
  return { status: code, body: { error: { code, message, status } } };
}

/** The function a request forces: mode ANY with allowedFunctionNames, else its first declaration. */
function forcedFunction(body: Body): string | undefined {
  const config = (body.toolConfig as { functionCallingConfig?: { mode?: string; allowedFunctionNames?: string[] } })
    ?.functionCallingConfig;
  if (config?.mode !== "ANY") return undefined;
  const tools = Array.isArray(body.tools) ? (body.tools as { functionDeclarations?: { name?: string }[] }[]) : [];
  return config.allowedFunctionNames?.[0] ?? tools[0]?.functionDeclarations?.[0]?.name;
}

/** What Gemini sees as the conversation: every turn's parts, turned into a `messages`-like list for replyText. */
function asMessages(body: Body): unknown[] {
  const contents = Array.isArray(body.contents) ? (body.contents as { role?: string; parts?: unknown }[]) : [];
  return contents.map((c) => ({ role: c.role, content: c.parts }));
}

interface Answer {
  text?: string;
  call?: string;
  finish: string;
  prompt: number;
  output: number;
}

function compute(body: Body): Answer {
  const prompt = tokens(textOf(body.systemInstruction) + textOf(body.contents));
  const call = forcedFunction(body);
  if (call !== undefined) return { call, finish: "STOP", prompt, output: tokens(call) + 1 };
  const full = replyText("gemini", asMessages(body));
  const limit = (body.generationConfig as { maxOutputTokens?: number } | undefined)?.maxOutputTokens;
  const cut = limit !== undefined && tokens(full) > limit;
  const text = cut ? full.slice(0, limit * 4) : full;
  return { text, finish: cut ? "MAX_TOKENS" : "STOP", prompt, output: tokens(text) };
}

function usage(a: Answer, output: number) {
  return { promptTokenCount: a.prompt, candidatesTokenCount: output, totalTokenCount: a.prompt + output };
}

/** A non-streamed GenerateContentResponse for `body`, numbered `n`. */
export function geminiAnswer(body: Body, n: number, model = "gemini-fake"): unknown {
  const a = compute(body);
  const part = a.call ? { functionCall: { name: a.call, args: {} } } : { text: a.text };
  return {
    candidates: [{ content: { role: "model", parts: [part] }, finishReason: a.finish, index: 0 }],
    usageMetadata: usage(a, a.output),
    modelVersion: model,
    responseId: `fake-gemini-${n}`,
  };
}

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\r\n\r\n`;
}

/** The SSE frames of a streamed answer: one per word (or the function call), then the finish with the totals. */
export function geminiStream(body: Body, n: number, model = "gemini-fake"): string[] {
  const a = compute(body);
  const base = { modelVersion: model, responseId: `fake-gemini-${n}` };
  const pieces = a.call
    ? [{ functionCall: { name: a.call, args: {} } }]
    : words(a.text ?? "").map((text) => ({ text }));
  const frames = pieces.map((part) =>
    frame({ candidates: [{ content: { role: "model", parts: [part] } }], usageMetadata: usage(a, 0), ...base }),
  );
  const last = { content: { role: "model", parts: [{ text: "" }] }, finishReason: a.finish };
  frames.push(frame({ candidates: [last], usageMetadata: usage(a, a.output), ...base }));
  return frames;
}

/** Google's answer to a malformed GenerateContentRequest, or undefined when the body is acceptable. */
export function checkGenerateContentBody(body: unknown): JsonReply | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
  }
  const contents = (body as Body).contents;
  if (!Array.isArray(contents) || contents.length === 0) {
    return googleError(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified\n");
  }
  if ("model" in body || "messages" in body) {
    const name = "model" in body ? "model" : "messages";
    return googleError(
      400,
      "INVALID_ARGUMENT",
      `Invalid JSON payload received. Unknown name "${name}": Cannot find field.`,
    );
  }
  return undefined;
}

function check(apiKey: string, req: RecordedRequest): JsonReply | undefined {
  if (req.headers["x-goog-api-key"] !== apiKey) {
    return googleError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.");
  }
  return checkGenerateContentBody(req.body);
}

/**
 * Starts a fake Gemini API. Deployments point `api_base` at `${url}/v1beta` (or at `url`); it serves
 * `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent` and checks `x-goog-api-key` (default
 * FAKE_GEMINI_KEY).
 */
export function startFakeGemini(options: FakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_GEMINI_KEY;
  const provider: FakeProvider = {
    path: "/v1beta/models/gemini-fake:generateContent",
    serves: (path) => GEMINI_PATH.test(path),
    streams: (req) => req.path.endsWith(":streamGenerateContent"),
    check: (req) => check(apiKey, req),
    notFound: (path) => googleError(404, "NOT_FOUND", `Not found: ${path}`),
    answer: (body, n) => geminiAnswer(body, n),
    stream: (body, n) => geminiStream(body, n),
  };
  return startFake(provider);
}
