// Canonical chat <-> Petals' `POST /api/v1/generate` (https://github.com/petals-infra/chat.petals.dev#post-apiv1generate).
// The request is a form (the server reads Flask's `request.values`, so JSON bodies are not read): `model`, `inputs` (the
// rendered prompt), `max_new_tokens` (required by the server; LiteLLM's default 256) and the sampling fields. The answer
// is `{"ok": true, "outputs": "<text>"}`, or `{"ok": false, "traceback": "..."}` with HTTP 200 when generation failed.
// Petals counts no tokens: usage is estimated.

import type { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asNumber, asObject, asString } from "../json.js";
import { promptRequestOf } from "../text-generation/prompt.js";
import type { AttemptContext } from "../types.js";
import { petalsFailure } from "./errors.js";

/** LiteLLM's default `max_new_tokens` for Petals (the server needs it or `max_length`). */
export const DEFAULT_MAX_NEW_TOKENS = 256;

/** Petals' own generation fields a client may pass as extra body fields. */
const EXTRA = ["top_k", "repetition_penalty", "max_length"] as const;
const HANDLED = new Set<string>([...EXTRA, "max_tokens", "max_completion_tokens", "temperature", "top_p", "n"]);

/** The form sent, and the prompt in it (for usage estimates). */
export interface PetalsCall {
  readonly prompt: string;
  readonly form: URLSearchParams;
}

/**
 * The form for a chat request. Petals samples only with `do_sample=1` (greedy by default, ignoring temperature and
 * top_p), so a positive temperature or a top_p turns sampling on; temperature 0 stays greedy.
 */
export function toPetalsRequest(req: llm.ChatCompletionRequest, ctx: AttemptContext): PetalsCall {
  const { body, prompt, maxTokens: max } = promptRequestOf(req, ctx, HANDLED, DEFAULT_MAX_NEW_TOKENS);
  const form = new URLSearchParams({ model: ctx.deployment.model, inputs: prompt, max_new_tokens: String(max) });
  const temperature = asNumber(body.temperature);
  const topP = asNumber(body.top_p);
  if ((temperature !== undefined && temperature > 0) || topP !== undefined) form.set("do_sample", "1");
  if (temperature !== undefined && temperature > 0) form.set("temperature", String(temperature));
  if (topP !== undefined) form.set("top_p", String(topP));
  for (const field of EXTRA) if (body[field] !== undefined) form.set(field, String(body[field]));
  return { prompt, form };
}

/** The generated text of an answer; `ok: false` is thrown as its classified error. */
export function outputsOf(json: unknown, dep: DeploymentRef): string {
  const o = asObject(json);
  if (o?.ok === false) throw petalsFailure(asString(o.traceback) ?? "", dep);
  const outputs = asString(o?.outputs);
  if (o?.ok !== true || outputs === undefined) throw malformedUpstream(dep, "generate answer has no outputs");
  return outputs;
}
