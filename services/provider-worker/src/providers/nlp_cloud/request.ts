// Canonical chat request -> NLP Cloud `generation` body (https://docs.nlpcloud.com/#generation). The API completes one
// text, so the messages become one prompt the way LiteLLM's nlp_cloud transformation builds it: every message's
// text joined by a space. OpenAI's `max_tokens` is `max_length` (with `length_no_input`, so the input does not count
// against it), one `stop` string is the `end_sequence` (removed from the answer, as OpenAI leaves stops out), and
// NLP Cloud's own settings come from the deployment's litellm_params or the client's extra body fields.

import type { llm } from "@switchyard/proto";
import { unsupportedParam } from "../errors.js";
import { asArray, asObject, type JsonObject } from "../json.js";
import { openAIBody } from "../openai-body.js";
import { promptTextOf } from "../text-generation/prompt.js";
import type { AttemptContext } from "../types.js";

/** NLP Cloud generation settings with no OpenAI counterpart, taken from litellm_params or the client's body. */
const OWN = [
  "max_length",
  "length_no_input",
  "end_sequence",
  "remove_end_sequence",
  "remove_input",
  "bad_words",
  "top_k",
  "repetition_penalty",
  "num_beams",
  "num_return_sequences",
] as const;
const SAME = ["temperature", "top_p"] as const;
const HANDLED = new Set<string>([...OWN, ...SAME, "max_tokens", "max_completion_tokens", "stop", "n"]);

/** The exact body posted, and the prompt and token limit the answer is read against. */
export interface GenerationRequest {
  readonly body: JsonObject;
  readonly prompt: string;
  readonly maxTokens: number | undefined;
}

/** The one prompt: each message's text, joined by a space (LiteLLM's nlp_cloud transform_request). */
export function promptOf(messages: unknown[], ctx: AttemptContext): string {
  return messages.map((value, i) => promptTextOf(asObject(value) ?? {}, i, ctx.deployment)).join(" ");
}

/** The `end_sequence` of OpenAI's `stop`: NLP Cloud takes one sequence. */
function endSequenceOf(stop: unknown, ctx: AttemptContext): string | undefined {
  const list = typeof stop === "string" ? [stop] : asArray(stop).filter((s): s is string => typeof s === "string");
  if (list.length > 1 && ctx.deployment.params.drop_params !== true) {
    throw unsupportedParam(ctx.deployment, "stop", "with more than one sequence (NLP Cloud takes one end_sequence)");
  }
  return list[0];
}

/** The body of `POST {base}/{model}/generation`; `stream: true` only on streamed calls. */
export function toGenerationRequest(
  req: llm.ChatCompletionRequest,
  ctx: AttemptContext,
  stream: boolean,
): GenerationRequest {
  const body = openAIBody(req, ctx, HANDLED);
  const dep = ctx.deployment;
  if (body.n !== undefined && body.n !== 1) throw unsupportedParam(dep, "n", "other than 1");
  const prompt = promptOf(asArray(body.messages), ctx);
  const out: JsonObject = { text: prompt };
  for (const field of OWN) if (dep.params[field] !== undefined) out[field] = dep.params[field];
  for (const field of SAME) if (body[field] !== undefined) out[field] = body[field];
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (typeof maxTokens === "number") {
    out.max_length = maxTokens;
    out.length_no_input ??= true;
  }
  const end = endSequenceOf(body.stop, ctx);
  if (end !== undefined) {
    out.end_sequence = end;
    out.remove_end_sequence ??= true;
  }
  for (const field of OWN) if (body[field] !== undefined) out[field] = body[field];
  if (stream) out.stream = true;
  const limit = typeof out.max_length === "number" ? out.max_length : undefined;
  return { body: out, prompt, maxTokens: out.length_no_input === true ? limit : undefined };
}

/** The body of `POST {base}/{model}/embeddings`: `{"sentences": [...]}` (LiteLLM's nlp_cloud embed transformation). */
export function toEmbeddingsBody(texts: readonly string[]): JsonObject {
  return { sentences: [...texts] };
}
