// A fake OpenAI chat completions API (https://platform.openai.com/docs/api-reference/chat): Bearer
// auth, OpenAI's error bodies, deterministic answers with usage, and SSE framed as OpenAI frames it
// (`data: {...}\n\n` ... `data: [DONE]\n\n`, the usage chunk only with stream_options.include_usage).

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

/** The key the fake OpenAI accepts unless told otherwise. */
export const FAKE_OPENAI_KEY = "sk-fake-openai";

type Body = Record<string, unknown>;

function error(
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
): JsonReply {
  return { status, body: { error: { message, type, param, code } } };
}

/** The tool a request forces: tool_choice "required" takes the first tool, an object names one. */
function forcedTool(body: Body): string | undefined {
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: { name?: string } }>) : [];
  const choice = body.tool_choice;
  if (tools.length === 0 || choice === undefined) return undefined;
  if (choice === "required") return tools[0]?.function?.name;
  const named = (choice as { function?: { name?: string } } | null)?.function?.name;
  return typeof named === "string" ? named : undefined;
}

interface Answer {
  content: string | null;
  toolName?: string;
  finish: string;
  usage: Record<string, unknown>;
}

function compute(body: Body): Answer {
  const prompt = tokens(textOf(body.messages));
  const usage = (completion: number) => ({
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  });
  const tool = forcedTool(body);
  if (tool !== undefined)
    return { content: null, toolName: tool, finish: "tool_calls", usage: usage(tokens(tool) + 1) };
  const full = replyText("openai", body.messages);
  const limit = body.max_completion_tokens ?? body.max_tokens;
  const cut = typeof limit === "number" && tokens(full) > limit;
  const content = cut ? full.slice(0, Math.max(0, limit) * 4) : full;
  return { content, finish: cut ? "length" : "stop", usage: usage(tokens(content)) };
}

function header(body: Body, n: number, object: string) {
  return { id: `chatcmpl-fake${n}`, object, created: 1_700_000_000 + n, model: String(body.model) };
}

function toolCall(name: string) {
  return { id: "call_fake_0", type: "function", function: { name, arguments: "{}" } };
}

/**
 * OpenAI's embeddings answer (https://platform.openai.com/docs/api-reference/embeddings/object): one deterministic
 * 3-number vector per input, `dimensions` long when asked, with prompt_tokens counted like the chat answers'.
 */
export function embeddings(body: Body): unknown {
  const raw = body.input;
  const inputs: unknown[] = Array.isArray(raw) ? (raw.every((x) => typeof x === "number") ? [raw] : raw) : [raw];
  const size = typeof body.dimensions === "number" ? body.dimensions : 3;
  const prompt = inputs.reduce<number>((sum, input) => sum + tokens(textOf(input)), 0);
  return {
    object: "list",
    data: inputs.map((input, index) => ({
      object: "embedding",
      index,
      embedding: Array.from({ length: size }, (_, i) => ((textOf(input).length + i) % 7) / 8 - 0.375),
    })),
    model: typeof body.model === "string" ? `${body.model}-2024` : "unknown",
    usage: { prompt_tokens: prompt, total_tokens: prompt },
  };
}

/**
 * OpenAI's legacy text completion (https://platform.openai.com/docs/api-reference/completions/object): one choice per
 * prompt and `n`, the prompt echoed in front when `echo`, the suffix noted, cut to `max_tokens` (default 16).
 */
function textCompletion(body: Body, n: number): unknown {
  const raw = body.prompt;
  const prompts: unknown[] = Array.isArray(raw) && !raw.every((x) => typeof x === "number") ? raw : [raw];
  const per = typeof body.n === "number" ? body.n : 1;
  const limit = typeof body.max_tokens === "number" ? body.max_tokens : 16;
  let prompt = 0;
  let completion = 0;
  const choices = prompts.flatMap((p, i) => {
    prompt += tokens(textOf(p));
    return Array.from({ length: per }, (_, j) => {
      const full = `completion ${j} of ${textOf(p)}${typeof body.suffix === "string" ? " before the suffix" : ""}`;
      const cut = tokens(full) > limit;
      const text = cut ? full.slice(0, limit * 4) : full;
      completion += tokens(text);
      return {
        text: body.echo === true ? `${textOf(p)}${text}` : text,
        index: i * per + j,
        logprobs:
          typeof body.logprobs === "number"
            ? { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] }
            : null,
        finish_reason: cut ? "length" : "stop",
      };
    });
  });
  return {
    id: `cmpl-fake${n}`,
    object: "text_completion",
    created: 1_700_000_000 + n,
    model: String(body.model),
    system_fingerprint: "fp_fake",
    choices,
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

function answer(body: Body, n: number): unknown {
  if ("input" in body && !("messages" in body)) return embeddings(body); // only /v1/embeddings gets here with input
  if ("prompt" in body && !("messages" in body)) return textCompletion(body, n); // only /v1/completions
  const a = compute(body);
  const message = { role: "assistant", content: a.content, refusal: null, annotations: [] };
  return {
    ...header(body, n, "chat.completion"),
    choices: [
      {
        index: 0,
        message: a.toolName ? { ...message, tool_calls: [toolCall(a.toolName)] } : message,
        logprobs: null,
        finish_reason: a.finish,
      },
    ],
    usage: a.usage,
    service_tier: "default",
    system_fingerprint: "fp_fake",
  };
}

/**
 * A streamed legacy text completion as OpenAI sends it: each choice's text word by word with `finish_reason` null
 * until its last piece, `usage: null` on every chunk when usage was asked for, then a usage-only chunk.
 */
function textCompletionStream(body: Body, n: number): string[] {
  const whole = textCompletion(body, n) as {
    id: string;
    created: number;
    model: string;
    choices: Array<{ text: string; index: number; finish_reason: string }>;
    usage: unknown;
  };
  const withUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const base = { id: whole.id, object: "text_completion", created: whole.created, model: whole.model };
  const chunks: unknown[] = [];
  for (const choice of whole.choices) {
    const split = words(choice.text);
    const pieces = split.length > 0 ? split : [""];
    pieces.forEach((text, i) => {
      const finish = i === pieces.length - 1 ? choice.finish_reason : null;
      chunks.push({
        ...base,
        choices: [{ text, index: choice.index, logprobs: null, finish_reason: finish }],
        ...(withUsage ? { usage: null } : {}),
      });
    });
  }
  if (withUsage) chunks.push({ ...base, choices: [], usage: whole.usage });
  return [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), "data: [DONE]\n\n"];
}

function stream(body: Body, n: number): string[] {
  if ("prompt" in body && !("messages" in body)) return textCompletionStream(body, n); // only /v1/completions
  const a = compute(body);
  const withUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const base = { ...header(body, n, "chat.completion.chunk"), service_tier: "default", system_fingerprint: "fp_fake" };
  const chunk = (delta: unknown, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(withUsage ? { usage: null } : {}),
  });
  const chunks: unknown[] = [chunk({ role: "assistant", content: "", refusal: null })];
  if (a.toolName) {
    chunks.push(
      chunk({ tool_calls: [{ index: 0, ...toolCall(a.toolName), function: { name: a.toolName, arguments: "" } }] }),
    );
    chunks.push(chunk({ tool_calls: [{ index: 0, function: { arguments: "{}" } }] }));
  }
  for (const piece of words(a.content ?? "")) chunks.push(chunk({ content: piece }));
  chunks.push(chunk({}, a.finish));
  if (withUsage) chunks.push({ ...base, choices: [], usage: a.usage });
  return [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), "data: [DONE]\n\n"];
}

function check(apiKey: string, req: RecordedRequest): JsonReply | undefined {
  const auth = req.headers.authorization;
  if (!auth) {
    return error(
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      "invalid_request_error",
      null,
    );
  }
  if (auth !== `Bearer ${apiKey}`) {
    const shown = auth.replace(/^Bearer\s+/i, "");
    const masked = `${shown.slice(0, 3)}${"*".repeat(Math.max(0, shown.length - 7))}${shown.slice(-4)}`;
    return error(
      401,
      `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      "invalid_request_error",
      "invalid_api_key",
    );
  }
  const body = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return error(
      400,
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.",
      "invalid_request_error",
      null,
    );
  }
  const b = body as Body;
  if (typeof b.model !== "string")
    return error(400, "you must provide a model parameter", "invalid_request_error", null);
  if (req.path === "/v1/embeddings") {
    if (b.input === undefined || b.input === null || (Array.isArray(b.input) && b.input.length === 0))
      return error(400, "'input' is a required property", "invalid_request_error", null, "input");
    return undefined;
  }
  if (req.path === "/v1/completions") {
    if (b.prompt === undefined || b.prompt === null)
      return error(400, "you must provide a prompt parameter", "invalid_request_error", null, "prompt");
    return undefined;
  }
  if (!Array.isArray(b.messages))
    return error(
      400,
      "Missing required parameter: 'messages'.",
      "invalid_request_error",
      "missing_required_parameter",
      "messages",
    );
  return undefined;
}

/**
 * Starts a fake OpenAI API. Deployments point `api_base` at `${url}/v1`; it serves POST
 * /v1/chat/completions, /v1/embeddings and /v1/completions and checks `Authorization: Bearer <apiKey>` (default FAKE_OPENAI_KEY).
 */
export function startFakeOpenAI(options: FakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_OPENAI_KEY;
  const provider: FakeProvider = {
    path: "/v1/chat/completions",
    serves: (path) => path === "/v1/chat/completions" || path === "/v1/embeddings" || path === "/v1/completions",
    check: (req) => check(apiKey, req),
    notFound: (path) => error(404, `Invalid URL (POST ${path})`, "invalid_request_error", null),
    answer,
    stream,
  };
  return startFake(provider);
}
