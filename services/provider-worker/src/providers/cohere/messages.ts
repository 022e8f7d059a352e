// Canonical messages -> Cohere v2 `messages` (https://docs.cohere.com/reference/chat#request.body.messages). The roles
// match OpenAI's (system, user, assistant, tool); what differs: developer text is a system message, an assistant turn
// that calls tools carries its text as `tool_plan`, and only text and image parts exist.

import { llm } from "@switchyard/proto";
import { type DeploymentRef, translationError, unsupportedParam } from "../errors.js";
import type { JsonObject } from "../json.js";

const { Role } = llm;

/** Translates the canonical messages; throws INVALID_REQUEST naming the offending field. */
export function toCohereMessages(messages: readonly llm.Message[], dep: DeploymentRef): JsonObject[] {
  return messages.map((message, i) => {
    const at = `messages[${i}]`;
    switch (message.role) {
      case Role.SYSTEM:
      case Role.DEVELOPER:
        return { role: "system", content: textOf(message, `${at}.content`, dep) };
      case Role.USER:
        return { role: "user", content: userContent(message, `${at}.content`, dep) };
      case Role.ASSISTANT:
        return assistant(message, at, dep);
      case Role.TOOL:
        return toolResult(message, at, dep);
      default:
        throw translationError(dep, `${dep.provider} does not support the role of ${at}`, `${at}.role`);
    }
  });
}

/** Text content; parts must all be text (they are joined, as a system or tool message has no other kind). */
function textOf(message: llm.Message, at: string, dep: DeploymentRef): string {
  const content = message.content;
  if (content.case === "text") return content.value;
  if (content.case !== "parts") return "";
  return content.value.parts
    .map((part, j) => {
      if (part.part.case === "text" || part.part.case === "refusal") return part.part.value;
      throw translationError(dep, `${dep.provider} accepts only text in ${at}[${j}]`, `${at}[${j}]`);
    })
    .join("");
}

/** A string for plain text, else text and image_url parts (Command A Vision reads images). */
function userContent(message: llm.Message, at: string, dep: DeploymentRef): string | JsonObject[] {
  const content = message.content;
  if (content.case !== "parts") return content.case === "text" ? content.value : "";
  return content.value.parts.map((part, j): JsonObject => {
    const p = part.part;
    if (p.case === "text") return { type: "text", text: p.value };
    if (p.case === "imageUrl") {
      const image: JsonObject = { url: p.value.url };
      if (p.value.detail) image.detail = p.value.detail;
      return { type: "image_url", image_url: image };
    }
    throw translationError(dep, `${dep.provider} does not support this content part in ${at}[${j}]`, `${at}[${j}]`);
  });
}

/** An assistant turn: its text is the `tool_plan` when it calls tools (Cohere's shape), else its content. */
function assistant(message: llm.Message, at: string, dep: DeploymentRef): JsonObject {
  const text = textOf(message, `${at}.content`, dep);
  if (message.toolCalls.length === 0) return { role: "assistant", content: text };
  const out: JsonObject = { role: "assistant" };
  if (text) out.tool_plan = text;
  out.tool_calls = message.toolCalls.map((call, j) => {
    if (call.type && call.type !== "function") throw unsupportedParam(dep, `${at}.tool_calls[${j}].type`);
    return {
      id: call.id,
      type: "function",
      function: { name: call.function?.name ?? "", arguments: call.function?.arguments || "{}" },
    };
  });
  return out;
}

function toolResult(message: llm.Message, at: string, dep: DeploymentRef): JsonObject {
  if (!message.toolCallId) throw translationError(dep, `${at}.tool_call_id is required`, `${at}.tool_call_id`);
  return { role: "tool", tool_call_id: message.toolCallId, content: textOf(message, `${at}.content`, dep) };
}
