// Canonical requests -> Aleph Alpha `/complete` bodies (https://docs.aleph-alpha.com/api/complete/). The API completes
// one prompt, so chat messages become one the way LiteLLM's aleph_alpha handler builds it: for `*-control` models the
// `###Instruction:` / `###Input:` / `###Response:` format (the first message is the instruction), for the others every
// message's text joined by a space. OpenAI's `max_tokens` is `maximum_tokens`, `stop` is `stop_sequences`; Aleph
// Alpha's own settings come from the deployment's litellm_params or the client's extra body fields.

import type { llm } from "@switchyard/proto";
import { type DeploymentRef, unsupportedParam } from "../errors.js";
import { asArray, asObject, asString, type JsonObject } from "../json.js";
import { openAIBody } from "../openai-body.js";
import { withExtra } from "../rerank.js";
import { promptTextOf } from "../text-generation/prompt.js";
import type { AttemptContext } from "../types.js";

/** `/complete` settings with no OpenAI counterpart, taken from litellm_params or the client's body. */
const OWN = [
  "top_k",
  "minimum_tokens",
  "sequence_penalty",
  "sequence_penalty_min_length",
  "repetition_penalties_include_prompt",
  "repetition_penalties_include_completion",
  "use_multiplicative_presence_penalty",
  "use_multiplicative_frequency_penalty",
  "use_multiplicative_sequence_penalty",
  "penalty_bias",
  "penalty_exceptions",
  "penalty_exceptions_include_stop_sequences",
  "disable_optimizations",
  "completion_bias_inclusion",
  "completion_bias_exclusion",
  "completion_bias_inclusion_first_token_only",
  "completion_bias_exclusion_first_token_only",
  "contextual_control_threshold",
  "control_log_additive",
  "raw_completion",
  "hosting",
] as const;
/** OpenAI fields Aleph Alpha takes under the same name. */
const SAME = ["temperature", "top_p", "presence_penalty", "frequency_penalty"] as const;
const HANDLED = new Set<string>([...OWN, ...SAME, "max_tokens", "max_completion_tokens", "stop", "n"]);

/** The exact body posted, and the prompt it carries (for estimating usage when none is reported). */
export interface CompleteRequest {
  readonly body: JsonObject;
  readonly prompt: string;
}

/** The prompt of a chat, as LiteLLM's aleph_alpha completion() builds it. */
export function promptOf(messages: unknown[], model: string, dep: DeploymentRef): string {
  const list = messages.map((value) => asObject(value) ?? {});
  const texts = list.map((m, i) => promptTextOf(m, i, dep));
  if (!model.includes("control")) return texts.join(" ");
  return list
    .map((m, i) => {
      const role = asString(m.role);
      if (i === 0 || role === "system" || role === "developer") return `###Instruction: ${texts[i]}`;
      return role === "user" ? `###Input: ${texts[i]}` : `###Response: ${texts[i]}`;
    })
    .join("");
}

function stopOf(stop: unknown): string[] | undefined {
  if (typeof stop === "string") return [stop];
  const list = asArray(stop).filter((s): s is string => typeof s === "string");
  return list.length > 0 ? list : undefined;
}

function ownSettings(dep: AttemptContext["deployment"], body: JsonObject, out: JsonObject): void {
  for (const field of OWN) {
    const value = body[field] ?? dep.params[field];
    if (value !== undefined) out[field] = value;
  }
}

/** The `/complete` body of a chat request; `stream: true` only on streamed calls. */
export function toCompleteRequest(
  req: llm.ChatCompletionRequest,
  ctx: AttemptContext,
  stream: boolean,
): CompleteRequest {
  const body = openAIBody(req, ctx, HANDLED);
  const dep = ctx.deployment;
  if (body.n !== undefined && body.n !== 1) throw unsupportedParam(dep, "n", "other than 1");
  const prompt = promptOf(asArray(body.messages), dep.model, dep);
  const out: JsonObject = { model: dep.model, prompt };
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined) out.maximum_tokens = maxTokens;
  for (const field of SAME) if (body[field] !== undefined) out[field] = body[field];
  const stops = stopOf(body.stop);
  if (stops) out.stop_sequences = stops;
  ownSettings(dep, body, out);
  if (stream) out.stream = true;
  return { body: out, prompt };
}

/** OpenAI legacy-completions fields `/complete` cannot express: a 400 naming them, or left out under drop_params. */
function refuseUnsupported(request: llm.CompletionRequest, dep: AttemptContext["deployment"]): void {
  if (dep.params.drop_params === true) return;
  if (request.suffix !== undefined) throw unsupportedParam(dep, "suffix");
  if (request.logprobs !== undefined) throw unsupportedParam(dep, "logprobs");
  if (request.seed !== undefined) throw unsupportedParam(dep, "seed");
}

/**
 * The `/complete` body of a legacy completion: one text prompt; `n` and `echo` are Aleph Alpha's too; `stream: true`
 * only on streamed calls.
 */
export function toCompletionBody(
  request: llm.CompletionRequest,
  ctx: AttemptContext,
  stream: boolean,
): CompleteRequest {
  const dep = ctx.deployment;
  if (request.tokenPrompts.length > 0 || request.prompts.length !== 1) {
    throw unsupportedParam(dep, "prompt", "other than a single string");
  }
  refuseUnsupported(request, dep);
  const prompt = request.prompts[0] ?? "";
  const out: JsonObject = { model: dep.model, prompt };
  if (request.maxTokens !== undefined) out.maximum_tokens = request.maxTokens;
  if (request.temperature !== undefined) out.temperature = request.temperature;
  if (request.topP !== undefined) out.top_p = request.topP;
  if (request.n !== undefined) out.n = request.n;
  if (request.stop.length > 0) out.stop_sequences = [...request.stop];
  if (request.echo) out.echo = true;
  if (stream) out.stream = true;
  ownSettings(dep, {}, out);
  return { body: withExtra(out, request.extraJson), prompt };
}
