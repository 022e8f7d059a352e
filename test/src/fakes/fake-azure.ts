// Fake Azure chat and embeddings APIs, both OpenAI-shaped: Azure OpenAI
// (`/openai/deployments/{deployment}/chat/completions`, `.../embeddings` for embedding deployments, `api-version`
// required, the key in `api-key` or an Entra ID Bearer token, answers annotated with content-filter results and streams
// that open with a choice-less `prompt_filter_results` chunk) and the Azure AI model inference API (`/chat/completions`
// and `/embeddings` with `?api-version=...`, Bearer key, flat error bodies, 422 for fields it does not know).
// Embeddings are the OpenAI fake's deterministic vectors.
// A user message containing BLOCKED_PROMPT trips the content filter, as Azure's does.

import { embeddings } from "./fake-openai.js";
import {
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

/** The key the fakes accept unless told otherwise. */
export const FAKE_AZURE_KEY = "fake-azure-key-0123456789";
/** Text that makes the fake content filter block a prompt. */
export const BLOCKED_PROMPT = "[[blocked]]";

type Body = Record<string, unknown>;

const SAFE = { filtered: false, severity: "safe" };
const FILTER_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };

function azureError(status: number, code: string, message: string, extra: Body = {}): JsonReply {
  return { status, body: { error: { code, message, ...extra } } };
}

function forcedTool(body: Body): string | undefined {
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: { name?: string } }>) : [];
  if (tools.length === 0) return undefined;
  if (body.tool_choice === "required") return tools[0]?.function?.name;
  const named = (body.tool_choice as { function?: { name?: string } } | null | undefined)?.function?.name;
  return typeof named === "string" ? named : undefined;
}

interface Answer {
  readonly content: string | null;
  readonly tool?: string;
  readonly finish: string;
  readonly usage: Body;
}

function compute(who: string, body: Body): Answer {
  const prompt = tokens(textOf(body.messages));
  const usage = (completion: number) => ({
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  });
  const tool = forcedTool(body);
  if (tool) return { content: null, tool, finish: "tool_calls", usage: usage(tokens(tool) + 1) };
  const content = replyText(who, body.messages);
  return { content, finish: "stop", usage: usage(tokens(content)) };
}

const toolCall = (name: string) => ({ id: "call_fake_0", type: "function", function: { name, arguments: "{}" } });

/** The non-streamed answer; Azure OpenAI adds its content-filter annotations. */
function answer(who: string, azure: boolean, body: Body, n: number): unknown {
  const a = compute(who, body);
  const message = { role: "assistant", content: a.content, ...(a.tool ? { tool_calls: [toolCall(a.tool)] } : {}) };
  const choice = { index: 0, message, finish_reason: a.finish, logprobs: null };
  return {
    id: `chatcmpl-fake${n}`,
    object: "chat.completion",
    created: 1_700_000_000 + n,
    model: String(body.model),
    choices: [azure ? { ...choice, content_filter_results: FILTER_RESULTS } : choice],
    usage: a.usage,
    ...(azure ? { prompt_filter_results: [{ prompt_index: 0, content_filter_results: FILTER_RESULTS }] } : {}),
  };
}

/** The stream as SSE frames; the usage chunk only with stream_options.include_usage, as OpenAI and Azure send it. */
function stream(who: string, azure: boolean, body: Body, n: number): string[] {
  const a = compute(who, body);
  const base = {
    id: `chatcmpl-fake${n}`,
    object: "chat.completion.chunk",
    created: 1_700_000_000 + n,
    model: "gpt-4o",
  };
  const chunk = (delta: Body, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish, ...(azure ? { content_filter_results: FILTER_RESULTS } : {}) }],
  });
  const frames: unknown[] = [];
  if (azure) {
    const results = [{ prompt_index: 0, content_filter_results: FILTER_RESULTS }];
    frames.push({ choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: results });
  }
  frames.push(chunk({ role: "assistant", content: "" }));
  if (a.tool) frames.push(chunk({ tool_calls: [{ index: 0, ...toolCall(a.tool) }] }));
  for (const piece of words(a.content ?? "")) frames.push(chunk({ content: piece }));
  frames.push(chunk({}, a.finish));
  if ((body.stream_options as Body | undefined)?.include_usage === true) {
    frames.push({ ...base, choices: [], usage: a.usage });
  }
  return [...frames.map((f) => `data: ${JSON.stringify(f)}\n\n`), "data: [DONE]\n\n"];
}

function blocked(body: Body): boolean {
  const messages = Array.isArray(body.messages) ? (body.messages as Body[]) : [];
  return messages.some((m) => m.role === "user" && textOf(m.content).includes(BLOCKED_PROMPT));
}

/** The deployments an Azure OpenAI fake serves and the credentials it takes. */
export interface FakeAzureOptions {
  /** Chat deployments (`.../chat/completions`). */
  readonly deployments: readonly string[];
  /** Embedding deployments (`.../embeddings`). */
  readonly embeddingDeployments?: readonly string[];
  readonly apiKey?: string;
  /** Entra ID bearer tokens accepted besides the key (read on every request, so a token endpoint can add to it). */
  readonly tokens?: () => readonly string[];
}

function checkAzure(options: FakeAzureOptions, req: RecordedRequest): JsonReply | undefined {
  if (!new URLSearchParams(req.query).get("api-version")) return azureError(404, "404", "Resource not found");
  const bearer = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
  const keyOk = req.headers["api-key"] === (options.apiKey ?? FAKE_AZURE_KEY);
  if (!keyOk && !(bearer && options.tokens?.().includes(bearer))) {
    return azureError(
      401,
      "401",
      "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
    );
  }
  const body = req.body as Body;
  if (req.path.endsWith("/embeddings")) {
    return body?.input === undefined
      ? azureError(400, "invalid_request_error", "'input' is a required property")
      : undefined;
  }
  if (!Array.isArray(body?.messages))
    return azureError(400, "invalid_request_error", "'messages' is a required property");
  if (!blocked(body)) return undefined;
  return azureError(
    400,
    "content_filter",
    "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
    {
      param: "prompt",
      status: 400,
      innererror: {
        code: "ResponsibleAIPolicyViolation",
        content_filter_result: { ...FILTER_RESULTS, violence: { filtered: true, severity: "high" } },
      },
    },
  );
}

/** Starts a fake Azure OpenAI resource; deployments point `api_base` at its `url`. */
export function startFakeAzure(options: FakeAzureOptions): Promise<FakeUpstream> {
  const paths = new Set([
    ...options.deployments.map((d) => `/openai/deployments/${d}/chat/completions`),
    ...(options.embeddingDeployments ?? []).map((d) => `/openai/deployments/${d}/embeddings`),
  ]);
  const provider: FakeProvider = {
    path: [...paths][0] ?? "",
    serves: (path) => paths.has(path),
    check: (req) => checkAzure(options, req),
    notFound: () => azureError(404, "DeploymentNotFound", "The API deployment for this resource does not exist."),
    // Only an embeddings path passes `check` with `input` and no `messages`.
    answer: (body, n) => (Array.isArray(body.messages) ? answer("azure", true, body, n) : embeddings(body)),
    stream: (body, n) => stream("azure", true, body, n),
  };
  return startFake(provider);
}

/** Request fields the model inference API documents; any other is refused unless `extra-parameters` says otherwise. */
const INFERENCE_FIELDS = new Set([
  "model",
  "messages",
  "frequency_penalty",
  "presence_penalty",
  "max_tokens",
  "response_format",
  "seed",
  "stop",
  "stream",
  "stream_options",
  "temperature",
  "tool_choice",
  "tools",
  "top_p",
]);

/** The embeddings request fields the model inference API documents (reference-model-inference-embeddings). */
const INFERENCE_EMBEDDING_FIELDS = new Set(["model", "input", "dimensions", "encoding_format", "input_type"]);

function checkInference(apiKey: string, req: RecordedRequest): JsonReply | undefined {
  if (req.headers.authorization !== `Bearer ${apiKey}`) {
    return { status: 401, body: { error: "Unauthorized", message: "Access token is missing or invalid", status: 401 } };
  }
  if (!new URLSearchParams(req.query).get("api-version")) {
    return { status: 400, body: { error: "Bad Request", message: "api-version is required", status: 400 } };
  }
  const body = req.body as Body;
  const known = req.path === "/embeddings" ? INFERENCE_EMBEDDING_FIELDS : INFERENCE_FIELDS;
  const extra = Object.keys(body ?? {}).find((key) => !known.has(key));
  const mode = req.headers["extra-parameters"];
  if (extra && mode !== "pass-through" && mode !== "drop") {
    return invalidInput({ type: "extra_forbidden", loc: ["body", extra], msg: "Extra inputs are not permitted" });
  }
  const required = req.path === "/embeddings" ? "input" : "messages";
  if (body?.[required] === undefined)
    return invalidInput({ type: "missing", loc: ["body", required], msg: "Field required" });
  return undefined;
}

/** The model inference API's 422 with one detail. */
function invalidInput(detail: Body): JsonReply {
  return {
    status: 422,
    body: { error: { code: "Invalid input", status: 422, message: "invalid input error", details: [detail] } },
  };
}

/** Starts a fake Azure AI serverless endpoint; deployments point `api_base` at its `url`. */
export function startFakeAzureAI(options: { readonly apiKey?: string } = {}): Promise<FakeUpstream> {
  const provider: FakeProvider = {
    path: "/chat/completions",
    serves: (path) => path === "/chat/completions" || path === "/embeddings",
    check: (req) => checkInference(options.apiKey ?? FAKE_AZURE_KEY, req),
    notFound: () => ({ status: 404, body: { error: "Not Found", message: "Route not found", status: 404 } }),
    answer: (body, n) => (Array.isArray(body.messages) ? answer("azure_ai", false, body, n) : embeddings(body)),
    stream: (body, n) => stream("azure_ai", false, body, n),
  };
  return startFake(provider);
}
