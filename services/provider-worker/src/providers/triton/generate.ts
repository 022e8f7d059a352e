// Canonical chat <-> Triton. The generate extension
// (https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/protocol/extension_generate.html) takes
// `{"text_input", "parameters", "stream"}` and answers `{"model_name", "model_version", "text_output"}`; parameters
// named like model inputs become input tensors, which is how TensorRT-LLM's ensemble reads `max_tokens`, `stop_words`,
// `temperature` ... KServe v2 `/infer` (https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol)
// takes the same values as named input tensors and answers `outputs[0].data`. The body mirrors LiteLLM's
// TritonGenerateConfig / TritonInferConfig: `max_tokens` defaults to 2000 (LiteLLM's DEFAULT_MAX_TOKENS_FOR_TRITON),
// `bad_words` and `stop_words` default to [""]. Triton reports no token counts: usage is estimated.

import type { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asArray, asObject, asString, type JsonObject } from "../json.js";
import { promptRequestOf } from "../text-generation/prompt.js";
import type { AttemptContext } from "../types.js";

/** LiteLLM's DEFAULT_MAX_TOKENS_FOR_TRITON: sent when the request sets no limit. */
export const DEFAULT_MAX_TOKENS = 2000;

/** OpenAI fields -> TensorRT-LLM ensemble inputs; `top_k` and `repetition_penalty` are extra body fields. */
const PARAMETERS: Readonly<Record<string, string>> = {
  temperature: "temperature",
  top_p: "top_p",
  seed: "random_seed",
  presence_penalty: "presence_penalty",
  frequency_penalty: "frequency_penalty",
  top_k: "top_k",
  repetition_penalty: "repetition_penalty",
};
const HANDLED = new Set([...Object.keys(PARAMETERS), "max_tokens", "max_completion_tokens", "stop", "n"]);

/** A request rendered for Triton: the prompt and the named values beside it. */
export interface TritonCall {
  readonly prompt: string;
  readonly parameters: JsonObject;
}

/** The prompt and parameters of a chat request; fields Triton cannot take are refused unless drop_params. */
export function tritonCallOf(req: llm.ChatCompletionRequest, ctx: AttemptContext): TritonCall {
  const { body, prompt, maxTokens: max } = promptRequestOf(req, ctx, HANDLED, DEFAULT_MAX_TOKENS);
  const stop = asArray(body.stop).filter((s): s is string => typeof s === "string");
  const parameters: JsonObject = { max_tokens: max, ...(stop.length > 0 ? { stop_words: stop } : {}) };
  for (const [field, name] of Object.entries(PARAMETERS)) if (body[field] !== undefined) parameters[name] = body[field];
  return { prompt, parameters };
}

/**
 * The generate extension's body, with LiteLLM's empty `bad_words` and `stop_words` unless set (TensorRT-LLM's ensemble
 * requires them); `stream` is what LiteLLM sends, though the path decides streaming either way.
 */
export function generateBody(call: TritonCall, stream: boolean): JsonObject {
  return { text_input: call.prompt, parameters: { bad_words: [""], stop_words: [""], ...call.parameters }, stream };
}

/** KServe v2 datatype of a value, as LiteLLM picks it: INT32 for integers, FP32 for other numbers, else BYTES. */
function datatypeOf(value: unknown): string {
  if (typeof value === "number") return Number.isInteger(value) ? "INT32" : "FP32";
  if (typeof value === "boolean") return "BOOL";
  return "BYTES";
}

/** One KServe v2 input tensor holding `value` (an array is a 1-D tensor of its items). */
export function tensor(name: string, value: unknown): JsonObject {
  const data = Array.isArray(value) ? value : [value];
  return { name, shape: [data.length], datatype: datatypeOf(data[0]), data };
}

/** The `/infer` body: `text_input` and each parameter set as an input tensor (a custom model refuses unknown inputs). */
export function inferBody(call: TritonCall): JsonObject {
  const inputs = [tensor("text_input", call.prompt)];
  for (const [name, value] of Object.entries(call.parameters)) inputs.push(tensor(name, value));
  return { inputs };
}

/** What a generate answer or event says. */
export interface GenerateOutput {
  readonly model?: string | undefined;
  readonly text: string;
}

/** `{"model_name", "model_version", "text_output"}`: the text, and the model that answered. */
export function generateOutputOf(json: unknown, dep: DeploymentRef): GenerateOutput {
  const o = asObject(json);
  const text = asString(o?.text_output);
  if (text === undefined) throw malformedUpstream(dep, "generate answer has no text_output");
  return { model: asString(o?.model_name), text };
}

/** `{"model_name", "outputs": [{"data": [...]}]}`: the first output's data as text. */
export function inferOutputOf(json: unknown, dep: DeploymentRef): GenerateOutput {
  const o = asObject(json);
  const data = asObject(asArray(o?.outputs)[0])?.data;
  const items = Array.isArray(data) ? data : [data];
  if (!items.every((item) => typeof item === "string")) throw malformedUpstream(dep, "infer answer has no text output");
  return { model: asString(o?.model_name), text: items.join("") };
}
