// Canonical chat request -> a Replicate prediction's `input`, as LiteLLM's ReplicateConfig builds it for language models
// (https://replicate.com/meta/meta-llama-3-70b-instruct/api/schema): the conversation as `prompt`, system and developer
// messages as `system_prompt`, the token limit as `max_new_tokens`, `stop` as the comma-separated `stop_sequences`.
// Replicate models take text only: tools and images are refused (a 400 naming them) unless `drop_params`.

import type { llm } from "@switchyard/proto";
import { unsupportedParam } from "../errors.js";
import { asArray, asObject, asString, type JsonObject } from "../json.js";
import { openAIBody, otherPartTypes } from "../openai-body.js";
import type { AttemptContext } from "../types.js";

/** OpenAI fields, and Replicate language-model inputs passed by clients as extra body fields, sent under their name. */
const SAME = [
  "temperature",
  "top_p",
  "seed",
  "presence_penalty",
  "frequency_penalty",
  "top_k",
  "min_tokens",
  "min_new_tokens",
  "max_new_tokens",
  "repetition_penalty",
  "length_penalty",
  "prompt_template",
] as const;
const HANDLED = new Set<string>([...SAME, "max_tokens", "max_completion_tokens", "stop"]);
const LABELS: Readonly<Record<string, string>> = { system: "System", user: "User", assistant: "Assistant" };

/** The prediction input, and the token limit it carries (to tell a cut-off answer from a finished one). */
export interface ReplicateInput {
  readonly input: JsonObject;
  readonly maxTokens: number | undefined;
}

/**
 * The input name of the token limit, as LiteLLM picks it: `max_length` for Vicuna and Flan-T5, `max_tokens` for
 * CodeLlama 13B, `max_new_tokens` for everything else.
 */
export function maxTokensField(model: string): string {
  if (model.includes("vicuna") || model.includes("flan")) return "max_length";
  if (model.includes("meta/codellama-13b")) return "max_tokens";
  return "max_new_tokens";
}

/** The `input` of the create call for a chat request. */
export function toReplicateInput(req: llm.ChatCompletionRequest, ctx: AttemptContext): ReplicateInput {
  const body = openAIBody(req, ctx, HANDLED);
  const { prompt, system } = promptOf(asArray(body.messages), ctx);
  const input: JsonObject = { prompt, ...(system === undefined ? {} : { system_prompt: system }) };
  for (const field of SAME) if (body[field] !== undefined) input[field] = body[field];
  const limit = body.max_completion_tokens ?? body.max_tokens;
  if (typeof limit === "number") input[maxTokensField(ctx.deployment.model)] = limit;
  if (Array.isArray(body.stop)) input.stop_sequences = body.stop.join(",");
  else if (typeof body.stop === "string") input.stop_sequences = body.stop;
  const max =
    typeof limit === "number" ? limit : typeof input.max_new_tokens === "number" ? input.max_new_tokens : undefined;
  return { input, maxTokens: max };
}

interface Turn {
  readonly role: string;
  readonly text: string;
}

/**
 * One user message is the prompt as it is; a longer conversation is a transcript of `User:` / `Assistant:` turns (the
 * model's own prompt template wraps it). System messages are the `system_prompt`, or, for a deployment with
 * `supports_system_prompt: false`, the transcript's first turns.
 */
function promptOf(messages: unknown[], ctx: AttemptContext): { prompt: string; system?: string } {
  const dep = ctx.deployment;
  const drop = dep.params.drop_params === true;
  const systemInPrompt = dep.params.supports_system_prompt === false;
  const system: string[] = [];
  const turns: Turn[] = [];
  messages.forEach((value, i) => {
    const m = asObject(value) ?? {};
    const role = m.role === "developer" ? "system" : asString(m.role);
    if (role === "tool" && drop) return;
    if (role === undefined || !(role in LABELS)) {
      throw unsupportedParam(dep, `messages[${i}].role`, `"${String(m.role)}"`);
    }
    if (m.tool_calls !== undefined && !drop) throw unsupportedParam(dep, `messages[${i}].tool_calls`);
    const text = textOf(m.content, i, ctx);
    if (role === "system" && !systemInPrompt) system.push(text);
    else turns.push({ role, text });
  });
  const only = turns.length === 1 && turns[0]?.role === "user" ? turns[0].text : undefined;
  return {
    prompt: only ?? turns.map((t) => `${LABELS[t.role]}: ${t.text}`).join("\n\n"),
    ...(system.length > 0 ? { system: system.join("\n\n") } : {}),
  };
}

/** The text of a message; image and other non-text parts are refused, or left out under `drop_params`. */
function textOf(content: unknown, i: number, ctx: AttemptContext): string {
  if (typeof content === "string") return content;
  const parts = asArray(content);
  const other = otherPartTypes(parts).concat(parts.some((p) => asObject(p)?.type === "image_url") ? ["image_url"] : []);
  if (other.length > 0 && ctx.deployment.params.drop_params !== true) {
    throw unsupportedParam(ctx.deployment, `messages[${i}].content`, `part type "${other[0]}"`);
  }
  return parts
    .filter((p) => asObject(p)?.type === "text")
    .map((p) => asString(asObject(p)?.text) ?? "")
    .join("");
}
