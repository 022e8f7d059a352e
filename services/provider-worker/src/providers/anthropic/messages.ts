// Canonical messages -> Anthropic `system` and `messages` (https://docs.anthropic.com/en/api/messages).
// Anthropic has no system/tool roles: system and developer text moves to `system`, tool results become
// `tool_result` blocks in a user turn, and consecutive turns of one role are merged into one.

import { llm } from "@switchyard/proto";
import { type DeploymentRef, translationError, unsupportedParam } from "../errors.js";
import { asObject, type JsonObject, objectOf, tryParse } from "../json.js";

const { Role } = llm;

/** One Anthropic turn; content is a block array while merging, a string when it is one plain text block. */
export interface AnthropicMessage {
  role: "user" | "assistant";
  content: JsonObject[] | string;
}

/** The translated conversation. */
export interface AnthropicConversation {
  /** A string when every system block is plain text, else blocks (to keep `cache_control`). */
  system?: string | JsonObject[];
  messages: AnthropicMessage[];
}

const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/** Translates the canonical messages; throws INVALID_REQUEST naming the offending field. */
export function toConversation(messages: readonly llm.Message[], dep: DeploymentRef): AnthropicConversation {
  const system: JsonObject[] = [];
  const turns: Turn[] = [];
  for (const [i, message] of messages.entries()) {
    const at = `messages[${i}]`;
    switch (message.role) {
      case Role.SYSTEM:
      case Role.DEVELOPER:
        system.push(...contentBlocks(message, `${at}.content`, dep, false));
        break;
      case Role.USER:
        append(turns, "user", contentBlocks(message, `${at}.content`, dep, true));
        break;
      case Role.ASSISTANT:
        append(turns, "assistant", [
          ...contentBlocks(message, `${at}.content`, dep, false),
          ...toolUses(message, at, dep),
        ]);
        break;
      case Role.TOOL:
        append(turns, "user", [toolResult(message, at, dep)]);
        break;
      default:
        throw translationError(dep, `${dep.provider} does not support the role of ${at}`, `${at}.role`);
    }
  }
  const out: AnthropicConversation = { messages: turns.map(compact) };
  if (system.length > 0) out.system = system.every((b) => !("cache_control" in b)) ? joinText(system) : system;
  return out;
}

function joinText(blocks: JsonObject[]): string {
  return blocks.map((b) => b.text).join("\n\n");
}

interface Turn {
  role: AnthropicMessage["role"];
  content: JsonObject[];
}

function append(turns: Turn[], role: Turn["role"], blocks: JsonObject[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

/** `"content": "Hi"` rather than a one-block array, as Anthropic's own examples and SDKs send it. */
function compact(turn: Turn): AnthropicMessage {
  const only = turn.content.length === 1 ? turn.content[0] : undefined;
  const plain = only?.type === "text" && Object.keys(only).length === 2;
  return plain ? { role: turn.role, content: String(only.text) } : turn;
}

/** Text and, where `media` allows, image and document blocks of a message's content. */
function contentBlocks(message: llm.Message, at: string, dep: DeploymentRef, media: boolean): JsonObject[] {
  const content = message.content;
  if (content.case === "text") return content.value ? [{ type: "text", text: content.value }] : [];
  if (content.case !== "parts") return [];
  return content.value.parts.flatMap((part, j) => partBlock(part, `${at}[${j}]`, dep, media));
}

function partBlock(part: llm.ContentPart, at: string, dep: DeploymentRef, media: boolean): JsonObject[] {
  const p = part.part;
  let block: JsonObject;
  if (p.case === "text" || p.case === "refusal") {
    if (!p.value) return [];
    block = { type: "text", text: p.value };
  } else if (media && p.case === "imageUrl") {
    block = { type: "image", source: imageSource(p.value.url, `${at}.image_url.url`, dep) };
  } else if (media && p.case === "file") {
    block = { type: "document", source: documentSource(p.value, `${at}.file`, dep) };
  } else {
    throw translationError(dep, `${dep.provider} does not support this content part in ${at}`, at);
  }
  return [withCacheControl(block, part.extraJson)];
}

/** Keeps an Anthropic-style `cache_control` a client set on a part; other unmodelled fields are dropped. */
export function withCacheControl(block: JsonObject, extraJson: string): JsonObject {
  const cache = objectOf(extraJson).cache_control;
  return cache === undefined ? block : { ...block, cache_control: cache };
}

interface DataUrl {
  mediaType: string;
  data: string;
}

function parseDataUrl(url: string): DataUrl | undefined {
  const match = /^data:([^;,]+)(?:;[^;,=]+=[^;,]*)*;base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1]!.toLowerCase(), data: match[2]! } : undefined;
}

function imageSource(url: string, at: string, dep: DeploymentRef): JsonObject {
  if (/^https?:\/\//i.test(url)) return { type: "url", url };
  const parsed = parseDataUrl(url);
  if (!parsed) throw translationError(dep, `${at} must be an http(s) URL or a base64 data URL`, at);
  if (!IMAGE_TYPES.has(parsed.mediaType)) {
    throw translationError(dep, `${dep.provider} does not support image type ${parsed.mediaType} in ${at}`, at);
  }
  return { type: "base64", media_type: parsed.mediaType, data: parsed.data };
}

function documentSource(file: llm.File, at: string, dep: DeploymentRef): JsonObject {
  if (file.fileId) throw unsupportedParam(dep, `${at}.file_id`);
  const raw = file.fileData ?? "";
  const parsed = parseDataUrl(raw);
  // OpenAI accepts bare base64 with a filename as well as a data URL.
  const pdf =
    parsed ?? (file.filename?.toLowerCase().endsWith(".pdf") ? { mediaType: "application/pdf", data: raw } : undefined);
  if (pdf?.mediaType !== "application/pdf" || !pdf.data) {
    throw translationError(dep, `${dep.provider} accepts only PDF file parts as base64 data in ${at}`, at);
  }
  return { type: "base64", media_type: "application/pdf", data: pdf.data };
}

function toolUses(message: llm.Message, at: string, dep: DeploymentRef): JsonObject[] {
  return message.toolCalls.map((call, j) => {
    const param = `${at}.tool_calls[${j}].function.arguments`;
    const args = call.function?.arguments ?? "";
    const input = args.trim() === "" ? {} : asObject(tryParse(args));
    if (!input) throw translationError(dep, `${param} must be a JSON object`, param);
    return { type: "tool_use", id: call.id, name: call.function?.name ?? "", input };
  });
}

function toolResult(message: llm.Message, at: string, dep: DeploymentRef): JsonObject {
  if (!message.toolCallId) throw translationError(dep, `${at}.tool_call_id is required`, `${at}.tool_call_id`);
  const block: JsonObject = { type: "tool_result", tool_use_id: message.toolCallId };
  const content = message.content;
  if (content.case === "text" && content.value) block.content = content.value;
  else if (content.case === "parts") block.content = contentBlocks(message, `${at}.content`, dep, true);
  return block;
}
