// Fakes of the two prompt-completion APIs. NLP Cloud (https://docs.nlpcloud.com/#generation): POST
// /v1/gpu/{model}/generation with `Authorization: Token <key>` and `{"text", ...}`, answering `{"generated_text",
// "nb_generated_tokens", "nb_input_tokens"}`, or with `"stream": true` the plain text itself, NUL-separated pieces
// ending with `[DONE]`; POST /v1/{model}/embeddings `{"sentences"}` answers `{"embeddings"}`; errors are
// `{"detail": "..."}`. Aleph Alpha (https://docs.aleph-alpha.com/api/complete/): POST /complete with a bearer token,
// answering `{"model_version", "completions": [{"completion", "finish_reason"}], "num_tokens_prompt_total",
// "num_tokens_generated"}`, or SSE `stream_chunk` / `stream_summary` / `completion_summary` items; POST
// /batch_semantic_embed answers `{"embeddings", "num_tokens_prompt_total"}`; errors are `{"error", "code"}`.

import {
  type FakeOptions,
  type FakeProvider,
  type FakeUpstream,
  type JsonReply,
  type RecordedRequest,
  startFake,
  textOf,
  tokens,
  words,
} from "./fake-server.js";

/** The token the fake NLP Cloud accepts unless told otherwise. */
export const FAKE_NLP_CLOUD_KEY = "fake-nlpcloud-token-0123456789";
/** The token the fake Aleph Alpha accepts unless told otherwise. */
export const FAKE_ALEPH_ALPHA_KEY = "fake-aleph-alpha-token-0123456789";

type Body = Record<string, unknown>;

const said = (provider: string, prompt: unknown) =>
  `Hello from the fake ${provider} upstream. You said: ${textOf(prompt).slice(-100)}`;
const vector = (text: string) => [text.length / 100, 0.5, -0.25];

export function nlpCloudError(status: number, detail: string): JsonReply {
  return { status, body: { detail } };
}

export function alephAlphaError(status: number, code: string, error: string): JsonReply {
  return { status, body: { error, code } };
}

/** Starts a fake NLP Cloud; deployments set `api_base` to `${url}/v1/gpu/` (generation) or `${url}/v1/` (embeddings). */
export function startFakeNlpCloud(options: FakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_NLP_CLOUD_KEY;
  const answer = (body: Body): unknown => {
    if (Array.isArray(body.sentences)) return { embeddings: body.sentences.map((s) => vector(String(s))) };
    const text = said("nlp_cloud", body.text);
    return { generated_text: text, nb_generated_tokens: tokens(text), nb_input_tokens: tokens(String(body.text)) };
  };
  const provider: FakeProvider = {
    path: "/v1/gpu/generation",
    serves: (path) => /^\/v1\/gpu\/[^/]+\/generation$/.test(path) || /^\/v1\/[^/]+\/embeddings$/.test(path),
    check: (req: RecordedRequest) => {
      if (req.headers.authorization !== `Token ${apiKey}`) return nlpCloudError(401, "Invalid token.");
      const body = req.body as Body;
      if (req.path.endsWith("/generation") && typeof body?.text !== "string") {
        return {
          status: 422,
          body: { detail: [{ loc: ["body", "text"], msg: "field required", type: "value_error.missing" }] },
        };
      }
      return undefined;
    },
    notFound: () => nlpCloudError(404, "Not Found"),
    answer,
    stream: (body) => [...words(said("nlp_cloud", body.text)).map((w) => `${w}\0`), "[DONE]"],
    streamContentType: "text/plain; charset=utf-8",
  };
  return startFake(provider);
}

function alephCompletion(body: Body) {
  const text = ` ${said("aleph_alpha", body.prompt)}`;
  return { text, prompt: tokens(textOf(body.prompt)), generated: tokens(text) };
}

/** Starts a fake Aleph Alpha API; deployments set `api_base` to `${url}/complete` (LiteLLM's form) or `${url}`. */
export function startFakeAlephAlpha(options: FakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_ALEPH_ALPHA_KEY;
  const provider: FakeProvider = {
    path: "/complete",
    serves: (path) => path === "/complete" || path === "/batch_semantic_embed",
    check: (req: RecordedRequest) => {
      if (req.headers.authorization !== `Bearer ${apiKey}`)
        return alephAlphaError(401, "InvalidToken", "The token is invalid.");
      const body = req.body as Body;
      if (typeof body?.model !== "string") return alephAlphaError(400, "INVALID_REQUEST", "model is required");
      return undefined;
    },
    notFound: () => alephAlphaError(404, "NOT_FOUND", "Not Found"),
    answer: (body) => {
      if (Array.isArray(body.prompts)) {
        return {
          model_version: "2022-04",
          embeddings: body.prompts.map((p) => vector(textOf(p))),
          num_tokens_prompt_total: tokens(textOf(body.prompts)),
        };
      }
      const a = alephCompletion(body);
      return {
        model_version: "2022-04",
        completions: [{ completion: a.text, finish_reason: "end_of_text" }],
        num_tokens_prompt_total: a.prompt,
        num_tokens_generated: a.generated,
      };
    },
    stream: (body) => {
      const a = alephCompletion(body);
      const items: Body[] = words(a.text).map((completion) => ({ type: "stream_chunk", index: 0, completion }));
      items.push(
        { type: "stream_summary", index: 0, model_version: "2022-04", finish_reason: "end_of_text" },
        { type: "completion_summary", num_tokens_prompt_total: a.prompt, num_tokens_generated: a.generated },
      );
      return [...items.map((item) => `data: ${JSON.stringify(item)}\n\n`), "data: [DONE]\n\n"];
    },
  };
  return startFake(provider);
}
