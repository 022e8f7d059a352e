// Mistral Codestral fill-in-the-middle (`text-completion-codestral/<model>`, LiteLLM's id): OpenAI's legacy
// `/v1/completions` served by `POST https://codestral.mistral.ai/v1/fim/completions`
// (https://docs.mistral.ai/api/#tag/fim): `{model, prompt, suffix?, max_tokens?, temperature?, top_p?, stop?,
// random_seed?}`, answered in Mistral's chat shape (`choices[].message.content`). Codestral's chat is `codestral/`.
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { malformedUpstream, unsupportedParam } from "../errors.js";
import { postJson, postStream } from "../http.js";
import { asArray, asNumber, asObject, asString, type JsonObject, tryParse } from "../json.js";
import { classifyOpenAIError, openAIStreamError } from "../openai/errors.js";
import { baseOf, bearerHeaders, refusingChat, withExtra } from "../rerank.js";
import { readSse } from "../sse.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";

/** Codestral's own endpoint (keys from console.mistral.ai's Codestral page); `api_base` overrides it. */
export const DEFAULT_BASE_URL = "https://codestral.mistral.ai/v1";

/** OpenAI completion fields FIM has no counterpart for: a 400 naming them, or left out under `drop_params`. */
function refuseUnsupported(request: llm.CompletionRequest, ctx: AttemptContext): void {
  if (ctx.deployment.params.drop_params === true) return;
  const dep = ctx.deployment;
  if ((request.n ?? 1) > 1) throw unsupportedParam(dep, "n");
  if (request.echo) throw unsupportedParam(dep, "echo");
  if (request.logprobs !== undefined) throw unsupportedParam(dep, "logprobs");
}

/** The exact FIM body: one text prompt (FIM completes one at a time), the suffix, and the sampling fields. */
export function toFimRequest(request: llm.CompletionRequest, ctx: AttemptContext): JsonObject {
  if (request.tokenPrompts.length > 0 || request.prompts.length !== 1) {
    throw unsupportedParam(ctx.deployment, "prompt", "other than a single string");
  }
  refuseUnsupported(request, ctx);
  const body: JsonObject = { model: ctx.deployment.model, prompt: request.prompts[0] ?? "" };
  if (request.suffix !== undefined) body.suffix = request.suffix;
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop.length > 0) body.stop = [...request.stop];
  if (request.seed !== undefined) body.random_seed = Number(request.seed);
  return withExtra(body, request.extraJson);
}

const FINISH: Readonly<Record<string, string>> = { stop: "stop", length: "length", model_length: "length" };

/** Codestral's chat-shaped answer as a text completion: each choice's message content is its text. */
export function fromFimResponse(json: unknown, ctx: AttemptContext): llm.Completion {
  const body = asObject(json);
  const choices = asArray(body?.choices);
  if (!body || choices.length === 0) throw malformedUpstream(ctx.deployment, "fim answer has no choices");
  const usage = asObject(body.usage);
  const prompt = asNumber(usage?.prompt_tokens) ?? 0;
  const completion = asNumber(usage?.completion_tokens) ?? 0;
  return create(llm.CompletionSchema, {
    id: asString(body.id) ?? "",
    created: asNumber(body.created) ?? Math.floor(Date.now() / 1000),
    model: asString(body.model) ?? ctx.deployment.model,
    choices: choices.map((raw, i) => {
      const choice = asObject(raw);
      const content = asObject(choice?.message)?.content;
      return create(llm.CompletionChoiceSchema, {
        index: asNumber(choice?.index) ?? i,
        text: typeof content === "string" ? content : "",
        finishReason: FINISH[asString(choice?.finish_reason) ?? ""] ?? "stop",
      });
    }),
    ...(usage
      ? {
          usage: create(llm.UsageSchema, {
            promptTokens: prompt,
            completionTokens: completion,
            totalTokens: asNumber(usage.total_tokens) ?? prompt + completion,
          }),
        }
      : {}),
  });
}

async function complete(request: llm.CompletionRequest, ctx: AttemptContext): Promise<llm.Completion> {
  const json = await postJson(ctx, {
    url: `${baseOf(ctx, DEFAULT_BASE_URL)}/fim/completions`,
    headers: bearerHeaders(ctx.apiKey),
    body: toFimRequest(request, ctx),
    classify: classifyOpenAIError,
  });
  return fromFimResponse(json, ctx);
}

/** One streamed FIM frame (Mistral's `CompletionChunk`: `choices[].delta.content`) as a text completion chunk. */
export function fromFimChunk(frame: JsonObject, ctx: AttemptContext): llm.Completion {
  return create(llm.CompletionSchema, {
    id: asString(frame.id) ?? "",
    created: asNumber(frame.created) ?? Math.floor(Date.now() / 1000),
    model: asString(frame.model) ?? ctx.deployment.model,
    choices: asArray(frame.choices).map((raw, i) => {
      const choice = asObject(raw);
      const content = asObject(choice?.delta)?.content;
      const reason = asString(choice?.finish_reason);
      return create(llm.CompletionChoiceSchema, {
        index: asNumber(choice?.index) ?? i,
        text: typeof content === "string" ? content : "",
        finishReason: reason ? (FINISH[reason] ?? "stop") : "",
      });
    }),
  });
}

/**
 * The FIM stream (`stream: true`): Mistral's `CompletionChunk` frames until `data: [DONE]`, usage on the frame that
 * finishes. Yields each piece as a text completion chunk, then the usage alone as the last chunk (the adapter
 * contract). A stream that ends before a finish_reason is UNAVAILABLE.
 */
async function* streamComplete(request: llm.CompletionRequest, ctx: AttemptContext): AsyncGenerator<llm.Completion> {
  const upstream = await postStream(ctx, {
    url: `${baseOf(ctx, DEFAULT_BASE_URL)}/fim/completions`,
    headers: bearerHeaders(ctx.apiKey),
    body: { ...toFimRequest(request, ctx), stream: true },
    classify: classifyOpenAIError,
  });
  const events = readSse(upstream.body, {
    fail: upstream.fail,
    errorEvent: (data) => openAIStreamError(asObject(tryParse(data)) ?? {}, ctx.deployment),
    tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
  });
  let finished = false;
  let usage: llm.Usage | undefined;
  let last: llm.Completion | undefined;
  for await (const event of events) {
    if (event.data === "[DONE]") break;
    const frame = asObject(tryParse(event.data));
    if (!frame) throw malformedUpstream(ctx.deployment, "stream frame is not a JSON object");
    if (frame.object === "error" || (frame.error !== undefined && frame.error !== null)) {
      throw openAIStreamError(frame, ctx.deployment);
    }
    const chunk = fromFimChunk(frame, ctx);
    const counted = asObject(frame.usage);
    if (counted) {
      const prompt = asNumber(counted.prompt_tokens) ?? 0;
      const completion = asNumber(counted.completion_tokens) ?? 0;
      usage = create(llm.UsageSchema, {
        promptTokens: prompt,
        completionTokens: completion,
        totalTokens: asNumber(counted.total_tokens) ?? prompt + completion,
      });
    }
    finished ||= chunk.choices.some((c) => c.finishReason !== "");
    last = chunk;
    if (chunk.choices.length > 0) yield chunk;
  }
  if (!finished) throw malformedUpstream(ctx.deployment, "stream ended before a finish_reason");
  if (usage && last)
    yield create(llm.CompletionSchema, { id: last.id, created: last.created, model: last.model, usage });
}

/** Calls Codestral's fill-in-the-middle endpoint for text completions; chat is refused (use `codestral/`). */
export const codestralFimAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "Mistral Codestral FIM",
    docs: "https://docs.mistral.ai/capabilities/code_generation/",
    capabilities: ["completions"],
  }),
  // LiteLLM reads these when a deployment sets no api_key / api_base.
  env: { apiKey: ["CODESTRAL_API_KEY"], apiBase: ["CODESTRAL_API_BASE"] },
  ...refusingChat("use codestral/ for chat"),
  complete,
  streamComplete,
});
