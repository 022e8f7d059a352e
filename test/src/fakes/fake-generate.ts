// Fakes of the text-generation ("generate") APIs: a Triton Inference Server (the generate extension
// https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/protocol/extension_generate.html and
// KServe v2 `/infer` for embeddings), a Predibase deployment (LoRAX `generate` / `generate_stream` behind
// `/{tenant}/deployments/v2/llms/{model}/`, Bearer token) and a Petals server (chat.petals.dev's form-encoded
// `POST /api/v1/generate`, `{"ok", "outputs"}` or `{"ok": false, "traceback"}` with HTTP 200).

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

/** The Predibase API token the fake accepts unless told otherwise. */
export const FAKE_PREDIBASE_KEY = "pb_fake-predibase-token-0123456789";
/** The tenant the fake Predibase serves. */
export const FAKE_PREDIBASE_TENANT = "tenant-e2e";
/** The model the fake Petals server refuses with a KeyError traceback, as chat.petals.dev does an unknown one. */
export const PETALS_UNKNOWN_MODEL = "nosuch/model";

type Body = Record<string, unknown>;

/** The fakes' deterministic answer, quoting the end of the prompt. */
function reply(provider: string, prompt: unknown): string {
  const text = typeof prompt === "string" ? prompt : "";
  return `Hello from the fake ${provider} upstream. You said: ${text.slice(-100)}`;
}

/** `{"error": ...}`, the body of Triton's and LoRAX's failures (LoRAX adds `error_type`). */
export function generateError(status: number, error: string, errorType?: string): JsonReply {
  return { status, body: { error, ...(errorType ? { error_type: errorType } : {}) } };
}

const TRITON_PATH = /^\/v2\/models\/([^/]+)(\/versions\/\d+)?\/(generate|generate_stream|infer)$/;

function tritonModel(path: string): string {
  return decodeURIComponent(TRITON_PATH.exec(path)?.[1] ?? "");
}

function tritonEmbeddings(body: Body, model: string): unknown {
  const input = (Array.isArray(body.inputs) ? body.inputs : [])[0] as { data?: unknown[] } | undefined;
  const texts = (input?.data ?? []).map(String);
  const data = texts.flatMap((t) => [t.length / 10, 0.5, -0.25, tokens(t) / 10]);
  return {
    model_name: model,
    model_version: "1",
    outputs: [{ name: "embeddings", datatype: "FP32", shape: [texts.length, 4], data }],
  };
}

/** Starts a fake Triton; deployments set `api_base` to its `url`. */
export function startFakeTriton(): Promise<FakeUpstream> {
  // The model named in the path of the request being answered (the e2e tests call one at a time).
  let model = "";
  const provider: FakeProvider = {
    path: "/v2/models",
    serves: (path) => TRITON_PATH.test(path),
    streams: (req) => req.path.endsWith("/generate_stream"),
    check: (req) => {
      model = tritonModel(req.path);
      const body = req.body as Body;
      if (req.path.endsWith("/infer")) {
        return Array.isArray(body.inputs)
          ? undefined
          : generateError(400, "Unable to parse 'inputs': attempt to access non-existing object member 'inputs'");
      }
      if (typeof body.text_input !== "string") return generateError(400, "missing input 'text_input'");
      const parameters = body.parameters as Body | undefined;
      if (typeof parameters?.max_tokens !== "number")
        return generateError(400, "in ensemble 'ensemble', input 'max_tokens' is required");
      return undefined;
    },
    notFound: (path) => generateError(404, `Not Found: ${path}`),
    answer: (body) => {
      if (Array.isArray(body.inputs)) return tritonEmbeddings(body, model);
      return { model_name: model, model_version: "1", text_output: reply("triton", body.text_input) };
    },
    stream: (body) =>
      words(reply("triton", body.text_input)).map(
        (piece) => `data: ${JSON.stringify({ model_name: model, model_version: "1", text_output: piece })}\n\n`,
      ),
  };
  return startFake(provider);
}

const PREDIBASE_PATH = /^\/([^/]+)\/deployments\/v2\/llms\/([^/]+)\/(generate|generate_stream)$/;

function predibaseCheck(apiKey: string, req: RecordedRequest): JsonReply | undefined {
  if (req.headers.authorization !== `Bearer ${apiKey}`) return { status: 401, body: { error: "invalid API token" } };
  const tenant = PREDIBASE_PATH.exec(req.path)?.[1];
  if (tenant !== FAKE_PREDIBASE_TENANT) return { status: 404, body: { error: `tenant not found: ${tenant}` } };
  const body = req.body as Body;
  if (typeof body.inputs !== "string")
    return generateError(422, "Failed to deserialize the JSON body: missing field `inputs`", "validation");
  return undefined;
}

function predibaseDetails(body: Body, text: string) {
  return {
    finish_reason: "eos_token",
    prompt_tokens: tokens(String(body.inputs)),
    generated_tokens: tokens(text) + 1,
    seed: null,
  };
}

/** Starts a fake Predibase; deployments set `api_base` to its `url` and `tenant_id` to FAKE_PREDIBASE_TENANT. */
export function startFakePredibase(options: FakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_PREDIBASE_KEY;
  const provider: FakeProvider = {
    path: "/generate",
    serves: (path) => PREDIBASE_PATH.test(path),
    streams: (req) => req.path.endsWith("/generate_stream"),
    check: (req) => predibaseCheck(apiKey, req),
    notFound: (path) => ({ status: 404, body: { error: `no route: ${path}` } }),
    answer: (body) => {
      const text = reply("predibase", body.inputs);
      return { generated_text: text, details: { ...predibaseDetails(body, text), prefill: [], tokens: [] } };
    },
    stream: (body) => {
      const text = reply("predibase", body.inputs);
      const events = words(text).map((piece, id) => ({
        token: { id, text: piece, logprob: -0.1, special: false },
        generated_text: null,
        details: null,
      }));
      events.push({
        token: { id: 2, text: "</s>", logprob: -0.01, special: true },
        generated_text: text as unknown as null,
        details: predibaseDetails(body, text) as unknown as null,
      });
      return events.map((e) => `data:${JSON.stringify(e)}\n\n`);
    },
  };
  return startFake(provider);
}

/** Starts a fake Petals server; deployments set `api_base` to `${url}/api/v1/generate`. */
export function startFakePetals(): Promise<FakeUpstream> {
  const provider: FakeProvider = {
    path: "/api/v1/generate",
    check: (req) => {
      const form = new URLSearchParams(req.rawBody);
      const ok = req.headers["content-type"] === "application/x-www-form-urlencoded" && form.get("max_new_tokens");
      if (ok) return undefined;
      // chat.petals.dev answers every failure with 200 and a traceback.
      const traceback =
        "Traceback (most recent call last):\n  ...\nValueError: You need to specify either max_length or max_new_tokens\n";
      return { status: 200, body: { ok: false, traceback } };
    },
    notFound: () => ({ status: 404, body: "Not Found" }),
    answer: (body) => {
      const form = new URLSearchParams(body as unknown as string);
      const model = form.get("model");
      if (model === PETALS_UNKNOWN_MODEL) {
        const traceback = `Traceback (most recent call last):\n  File "/app/http_api.py", line 71, in http_api_generate\n    model, tokenizer = models[model_name]\nKeyError: '${model}'\n`;
        return { ok: false, traceback };
      }
      return { ok: true, outputs: reply("petals", form.get("inputs")) };
    },
    stream: () => [],
  };
  return startFake(provider);
}
