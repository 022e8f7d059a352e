// Canonical chat request -> Predibase's LoRAX `generate` body (https://loraexchange.ai/reference/rest_api/):
// `{"inputs": <prompt>, "parameters": {...}}`, as LiteLLM's PredibaseConfig builds it: `details: true` (so the answer
// carries finish_reason and token counts), `return_full_text: false`, `max_new_tokens` defaulting to LiteLLM's
// DEFAULT_MAX_TOKENS, temperature 0 sent as 0.01 (TGI wants it strictly positive), and the LoRA `adapter_id` /
// `adapter_source` from the request's extra fields or the deployment's litellm_params.

import type { llm } from "@switchyard/proto";
import { asArray, asNumber, asObject, type JsonObject } from "../json.js";
import { promptRequestOf } from "../text-generation/prompt.js";
import type { AttemptContext } from "../types.js";

/** LiteLLM's DEFAULT_MAX_TOKENS: LoRAX requests without `max_new_tokens` can hang, so one is always sent. */
export const DEFAULT_MAX_NEW_TOKENS = 4096;

/** LoRAX parameters a client may pass as extra body fields, or a deployment in its litellm_params. */
const PASSTHROUGH = ["adapter_id", "adapter_source", "top_k", "repetition_penalty", "typical_p", "truncate"] as const;
const HANDLED = new Set<string>([
  ...PASSTHROUGH,
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "stop",
  "seed",
  "n",
  "response_format",
]);

/** The exact `generate` body, and the prompt in it (for usage estimates). */
export interface PredibaseCall {
  readonly prompt: string;
  readonly body: JsonObject;
}

/** `response_format` as LoRAX's: `{"type": "json_object"}`, with the JSON schema under `schema` when one is given. */
function responseFormatOf(format: JsonObject | undefined): JsonObject | undefined {
  if (!format || format.type === "text") return undefined;
  const schema = asObject(asObject(format.json_schema)?.schema);
  return schema ? { type: "json_object", schema } : { type: "json_object" };
}

export function toPredibaseRequest(req: llm.ChatCompletionRequest, ctx: AttemptContext): PredibaseCall {
  const { body, prompt, maxTokens: max } = promptRequestOf(req, ctx, HANDLED, DEFAULT_MAX_NEW_TOKENS);
  const dep = ctx.deployment;
  const parameters: JsonObject = { details: true, max_new_tokens: Math.max(1, max), return_full_text: false };
  const temperature = asNumber(body.temperature);
  if (temperature !== undefined) parameters.temperature = temperature === 0 ? 0.01 : temperature;
  if (body.top_p !== undefined) parameters.top_p = body.top_p;
  const stop = asArray(body.stop);
  if (stop.length > 0) parameters.stop = stop;
  if (body.seed !== undefined) parameters.seed = body.seed;
  for (const field of PASSTHROUGH) {
    const value = body[field] ?? dep.params[field];
    if (value !== undefined) parameters[field] = value;
  }
  const format = responseFormatOf(asObject(body.response_format));
  if (format) parameters.response_format = format;
  return { prompt, body: { inputs: prompt, parameters } };
}
