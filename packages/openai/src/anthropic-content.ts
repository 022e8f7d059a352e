// Anthropic Messages `system` and `messages` (https://docs.anthropic.com/en/api/messages) -> canonical messages.
// Anthropic has no tool role: each `tool_result` block of a user turn becomes a canonical tool message, placed before
// the rest of that turn, as OpenAI expects tool answers right after the assistant's calls.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { clientFields as f } from "./fields.js";
import { fieldPath, itemPath, type JsonObject, toExtraJson } from "./json.js";

type MessageInit = MessageInitShape<typeof llm.MessageSchema>;
type PartInit = MessageInitShape<typeof llm.ContentPartSchema>;
type ToolCallInit = MessageInitShape<typeof llm.ToolCallSchema>;

const { Role } = llm;
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);
/** Thinking blocks of earlier turns: no canonical field carries them (nor their signatures), so they are left out. */
const SKIPPED_ASSISTANT_BLOCKS = new Set(["thinking", "redacted_thinking"]);

/** Reads `system`: a string or a list of text blocks (each may carry `cache_control`). */
export function parseSystem(body: JsonObject): MessageInit[] {
  const value = body["system"];
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return value === "" ? [] : [{ role: Role.SYSTEM, content: { case: "text", value } }];
  if (!Array.isArray(value)) throw f.fail("system", "expected a string or an array of text blocks");
  const parts = value.map((b, i) => {
    const at = itemPath("system", i);
    const block = f.item(b, at);
    if (block["type"] !== "text") throw f.fail(fieldPath(at, "type"), 'expected "text"');
    return textPart(block, at);
  });
  return parts.length === 0 ? [] : [{ role: Role.SYSTEM, content: compactParts(parts) }];
}

/** Reads `messages`: a non-empty list of user and assistant turns. */
export function parseConversation(body: JsonObject): MessageInit[] {
  const list = f.array(body, "messages", "");
  if (list === undefined) throw f.fail("messages", "required");
  if (list.length === 0) throw f.fail("messages", "expected a non-empty array");
  return list.flatMap((m, i) => parseTurn(m, itemPath("messages", i)));
}

function parseTurn(value: unknown, path: string): MessageInit[] {
  const m = f.item(value, path);
  const role = f.requiredString(m, "role", path);
  const at = fieldPath(path, "content");
  const content = m["content"];
  if (role !== "user" && role !== "assistant") throw f.fail(fieldPath(path, "role"), 'expected "user" or "assistant"');
  if (typeof content === "string") {
    return [{ role: role === "user" ? Role.USER : Role.ASSISTANT, content: { case: "text", value: content } }];
  }
  if (content === undefined || content === null) throw f.fail(at, "required");
  if (!Array.isArray(content)) throw f.fail(at, "expected a string or an array of content blocks");
  const blocks = content.map((b, i) => f.item(b, itemPath(at, i)));
  return role === "user" ? userMessages(blocks, at) : [assistantMessage(blocks, at)];
}

/** A user turn: its tool results as tool messages, then one user message with the other blocks (when any). */
function userMessages(blocks: JsonObject[], at: string): MessageInit[] {
  const out: MessageInit[] = [];
  let parts: PartInit[] = [];
  const flush = () => {
    if (parts.length > 0) out.push({ role: Role.USER, content: compactParts(parts) });
    parts = [];
  };
  blocks.forEach((block, i) => {
    const path = itemPath(at, i);
    if (f.requiredString(block, "type", path) === "tool_result") {
      flush();
      out.push(toolResult(block, path));
    } else {
      parts.push(mediaPart(block, path));
    }
  });
  flush();
  return out;
}

/** An assistant turn: text blocks joined into the content, tool_use blocks as tool calls. */
function assistantMessage(blocks: JsonObject[], at: string): MessageInit {
  const texts: string[] = [];
  const toolCalls: ToolCallInit[] = [];
  blocks.forEach((block, i) => {
    const path = itemPath(at, i);
    const type = f.requiredString(block, "type", path);
    if (type === "text") texts.push(f.requiredString(block, "text", path));
    else if (type === "tool_use") toolCalls.push(toolUse(block, path));
    else if (!SKIPPED_ASSISTANT_BLOCKS.has(type)) {
      throw f.fail(fieldPath(path, "type"), 'expected "text", "tool_use", "thinking" or "redacted_thinking"');
    }
  });
  const content: MessageInit["content"] =
    texts.length > 0 ? { case: "text", value: texts.join("") } : { case: undefined };
  return { role: Role.ASSISTANT, content, toolCalls };
}

function toolUse(block: JsonObject, path: string): ToolCallInit {
  const input = f.requiredObject(block, "input", path);
  return {
    id: f.requiredString(block, "id", path),
    type: "function",
    function: { name: f.requiredString(block, "name", path), arguments: JSON.stringify(input) },
  };
}

/** A tool_result block as a tool message; `is_error` has no canonical field and is dropped. */
function toolResult(block: JsonObject, path: string): MessageInit {
  const toolCallId = f.requiredString(block, "tool_use_id", path);
  f.boolean(block, "is_error", path);
  const value = block["content"];
  const at = fieldPath(path, "content");
  if (value === undefined || value === null || typeof value === "string") {
    return { role: Role.TOOL, toolCallId, content: { case: "text", value: value ?? "" } };
  }
  if (!Array.isArray(value)) throw f.fail(at, "expected a string or an array of text and image blocks");
  const parts = value.map((b, i) => {
    const p = itemPath(at, i);
    const item = f.item(b, p);
    const type = f.requiredString(item, "type", p);
    if (type !== "text" && type !== "image") throw f.fail(fieldPath(p, "type"), 'expected "text" or "image"');
    return mediaPart(item, p);
  });
  return { role: Role.TOOL, toolCallId, content: compactParts(parts) };
}

/** A user content block: text, image (base64 or URL) or document (base64 PDF or plain text). */
function mediaPart(block: JsonObject, path: string): PartInit {
  const type = f.requiredString(block, "type", path);
  switch (type) {
    case "text":
      return textPart(block, path);
    case "image":
      return { part: { case: "imageUrl", value: { url: imageUrl(block, path) } }, extraJson: cacheOf(block, path) };
    case "document":
      return documentPart(block, path);
    default:
      throw f.fail(fieldPath(path, "type"), 'expected "text", "image", "document" or "tool_result"');
  }
}

function textPart(block: JsonObject, path: string): PartInit {
  return { part: { case: "text", value: f.requiredString(block, "text", path) }, extraJson: cacheOf(block, path) };
}

function imageUrl(block: JsonObject, path: string): string {
  const source = f.requiredObject(block, "source", path);
  const at = fieldPath(path, "source");
  const type = f.requiredString(source, "type", at);
  if (type === "url") return f.requiredString(source, "url", at);
  if (type !== "base64") throw f.fail(fieldPath(at, "type"), 'expected "base64" or "url"');
  const mediaType = f.requiredString(source, "media_type", at);
  if (!IMAGE_TYPES.has(mediaType)) {
    throw f.fail(fieldPath(at, "media_type"), `expected one of ${[...IMAGE_TYPES].join(", ")}`);
  }
  return `data:${mediaType};base64,${f.requiredString(source, "data", at)}`;
}

/** A PDF travels as a canonical file part (a data URL, as OpenAI takes it); a plain-text document as text. */
function documentPart(block: JsonObject, path: string): PartInit {
  const source = f.requiredObject(block, "source", path);
  const at = fieldPath(path, "source");
  const type = f.requiredString(source, "type", at);
  if (type !== "base64" && type !== "text") throw f.fail(fieldPath(at, "type"), 'expected "base64" (a PDF) or "text"');
  const data = f.requiredString(source, "data", at);
  if (type === "text") return { part: { case: "text", value: data }, extraJson: cacheOf(block, path) };
  if (f.requiredString(source, "media_type", at) !== "application/pdf") {
    throw f.fail(fieldPath(at, "media_type"), 'expected "application/pdf"');
  }
  const file = { fileData: `data:application/pdf;base64,${data}`, filename: "document.pdf" };
  return { part: { case: "file", value: file }, extraJson: cacheOf(block, path) };
}

/** A block's `cache_control`, kept in the part's extra_json, where the Anthropic adapter looks for it. */
export function cacheOf(block: JsonObject, path: string): string {
  const cache = f.object(block, "cache_control", path);
  return cache === undefined ? "" : toExtraJson({ cache_control: cache });
}

/** One plain text part reads as text content (as most clients send it); anything else stays parts. */
function compactParts(parts: PartInit[]): MessageInit["content"] {
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.part?.case === "text" && !only.extraJson) return { case: "text", value: only.part.value };
  return { case: "parts", value: { parts } };
}
