// Canonical chat request -> Workers AI text-generation input
// (https://developers.cloudflare.com/workers-ai/models/llama-3.1-8b-instruct/#Parameters): `messages` with text
// content, and the sampling settings at the top level. Tools, images and JSON mode differ per model and are refused.

import type { llm } from "@switchyard/proto";
import { unsupportedParam } from "../errors.js";
import { asArray, asObject, type JsonObject } from "../json.js";
import { openAIBody, otherPartTypes, textOf } from "../openai-body.js";
import type { AttemptContext } from "../types.js";

/** OpenAI fields Workers AI takes under the same name. */
const SAME = [
  "temperature",
  "top_p",
  "seed",
  "frequency_penalty",
  "presence_penalty",
  // Workers AI's own, passed by clients as extra body fields
  "top_k",
  "repetition_penalty",
] as const;
const HANDLED = new Set<string>([...SAME, "max_tokens", "max_completion_tokens"]);
const ROLES = new Set(["system", "user", "assistant"]);

/** The exact body sent to `/ai/run/{model}`. */
export function toCloudflareRequest(req: llm.ChatCompletionRequest, ctx: AttemptContext, stream: boolean): JsonObject {
  const body = openAIBody(req, ctx, HANDLED);
  const messages = asArray(body.messages).map((value, i) => {
    const m = asObject(value) ?? {};
    const role = m.role === "developer" ? "system" : m.role;
    if (typeof role !== "string" || !ROLES.has(role)) {
      throw unsupportedParam(ctx.deployment, `messages[${i}].role`, `"${String(m.role)}"`);
    }
    const other = Array.isArray(m.content) ? otherPartTypes(m.content).concat(imageParts(m.content)) : [];
    if (other.length > 0) throw unsupportedParam(ctx.deployment, `messages[${i}].content`, `part type "${other[0]}"`);
    return { role, content: textOf(m.content) };
  });
  const out: JsonObject = { messages, stream };
  for (const field of SAME) if (body[field] !== undefined) out[field] = body[field];
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined) out.max_tokens = maxTokens;
  return out;
}

function imageParts(content: unknown[]): string[] {
  return content.some((p) => asObject(p)?.type === "image_url") ? ["image_url"] : [];
}
