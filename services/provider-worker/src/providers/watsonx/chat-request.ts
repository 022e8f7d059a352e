// Canonical chat request -> watsonx.ai `/ml/v1/text/chat` body (https://cloud.ibm.com/apidocs/watsonx-ai#text-chat).
// Messages and tools are OpenAI's; the model is `model_id`, the call's project or space is in the body, a named
// tool_choice is `tool_choice` while "auto" / "none" / "required" go in `tool_choice_option`.

import type { Deployment } from "@switchyard/config";
import type { llm } from "@switchyard/proto";
import { asArray, asObject, type JsonObject } from "../json.js";
import { openAIBody, textOf } from "../openai-body.js";
import type { AttemptContext } from "../types.js";
import { deploymentIdOf, type Env, scopeOf } from "./api.js";

/** OpenAI fields watsonx takes under the same name. */
const SAME = [
  "tools",
  "temperature",
  "top_p",
  "stop",
  "seed",
  "frequency_penalty",
  "presence_penalty",
  "n",
  "response_format",
  "logprobs",
  "top_logprobs",
  // watsonx's own, passed by clients as extra body fields
  "time_limit",
] as const;
const HANDLED = new Set<string>([...SAME, "tool_choice", "max_tokens", "max_completion_tokens"]);

/** The exact body sent to `/ml/v1/text/chat` (the stream endpoint takes the same body). */
export function toWatsonxChatRequest(req: llm.ChatCompletionRequest, ctx: AttemptContext, env: Env): JsonObject {
  const dep: Deployment = ctx.deployment;
  const body = openAIBody(req, ctx, HANDLED);
  const out: JsonObject = {
    ...(deploymentIdOf(dep) ? {} : { model_id: dep.model }),
    ...scopeOf(dep, env),
    messages: asArray(body.messages).map((m) => messageOf(asObject(m) ?? {})),
  };
  for (const field of SAME) if (body[field] !== undefined) out[field] = body[field];
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined) out.max_tokens = maxTokens;
  if (typeof body.tool_choice === "string") out.tool_choice_option = body.tool_choice;
  else if (body.tool_choice !== undefined) out.tool_choice = body.tool_choice;
  return out;
}

/** watsonx takes parts only in user messages; other roles' content is flattened to text, and developer is system. */
function messageOf(m: JsonObject): JsonObject {
  const out: JsonObject = { ...m };
  if (m.role === "developer") out.role = "system";
  if (out.role !== "user" && Array.isArray(m.content)) out.content = textOf(m.content);
  return out;
}
