// Canonical messages -> Converse `system` and `messages`
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Message.html). Converse has no system or tool
// roles and wants user and assistant turns to alternate: system and developer text becomes `system` blocks, tool
// results become `toolResult` blocks of a user turn, and consecutive turns of one role are merged. Images and
// documents travel as base64 bytes; Bedrock does not fetch URLs.

import { llm } from "@switchyard/proto";
import { type DeploymentRef, translationError, unsupportedParam } from "../errors.js";
import { asObject, type JsonObject, objectOf, tryParse } from "../json.js";

const { Role } = llm;

/** One Converse turn. */
export interface ConverseMessage {
  role: "user" | "assistant";
  content: JsonObject[];
}

/** The translated conversation. */
export interface ConverseConversation {
  system: JsonObject[];
  messages: ConverseMessage[];
  /** Whether any turn carries toolUse or toolResult blocks (Converse then requires a toolConfig). */
  usesTools: boolean;
}

/** Image media types -> Converse `image.format`. */
const IMAGE_FORMATS: Readonly<Record<string, string>> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

/** Document media types -> Converse `document.format`. */
const DOCUMENT_FORMATS: Readonly<Record<string, string>> = {
  "application/pdf": "pdf",
  "text/csv": "csv",
  "text/html": "html",
  "text/plain": "txt",
  "text/markdown": "md",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
};

/** A prompt-cache checkpoint: Converse's form of Anthropic's `cache_control` on the block before it. */
export const CACHE_POINT: JsonObject = { cachePoint: { type: "default" } };

/** Translates the canonical messages; throws INVALID_REQUEST naming the offending field. */
export function toConverseConversation(messages: readonly llm.Message[], dep: DeploymentRef): ConverseConversation {
  const system: JsonObject[] = [];
  const turns: ConverseMessage[] = [];
  let usesTools = false;
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
      case Role.ASSISTANT: {
        const uses = toolUses(message, at, dep);
        usesTools ||= uses.length > 0;
        append(turns, "assistant", [...contentBlocks(message, `${at}.content`, dep, false), ...uses]);
        break;
      }
      case Role.TOOL:
        usesTools = true;
        append(turns, "user", [toolResult(message, at, dep)]);
        break;
      default:
        throw translationError(dep, `${dep.provider} does not support the role of ${at}`, `${at}.role`);
    }
  }
  return { system, messages: turns, usesTools };
}

function append(turns: ConverseMessage[], role: ConverseMessage["role"], blocks: JsonObject[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

/** Text and, where `media` allows, image and document blocks; Converse refuses blank text, so it is skipped. */
function contentBlocks(message: llm.Message, at: string, dep: DeploymentRef, media: boolean): JsonObject[] {
  const content = message.content;
  if (content.case === "text") return content.value.trim() ? [{ text: content.value }] : [];
  if (content.case !== "parts") return [];
  return content.value.parts.flatMap((part, j) => partBlocks(part, `${at}[${j}]`, dep, media));
}

function partBlocks(part: llm.ContentPart, at: string, dep: DeploymentRef, media: boolean): JsonObject[] {
  const p = part.part;
  let block: JsonObject;
  if (p.case === "text" || p.case === "refusal") {
    if (!p.value.trim()) return [];
    block = { text: p.value };
  } else if (media && p.case === "imageUrl") {
    block = { image: image(p.value.url, `${at}.image_url.url`, dep) };
  } else if (media && p.case === "file") {
    block = { document: documentOf(p.value, `${at}.file`, dep) };
  } else {
    throw translationError(dep, `${dep.provider} does not support this content part in ${at}`, at);
  }
  return objectOf(part.extraJson).cache_control === undefined ? [block] : [block, CACHE_POINT];
}

interface DataUrl {
  mediaType: string;
  data: string;
}

function parseDataUrl(url: string): DataUrl | undefined {
  const match = /^data:([^;,]+)(?:;[^;,=]+=[^;,]*)*;base64,(.*)$/s.exec(url);
  return match ? { mediaType: match[1]!.toLowerCase(), data: match[2]! } : undefined;
}

function image(url: string, at: string, dep: DeploymentRef): JsonObject {
  const parsed = parseDataUrl(url);
  if (!parsed) {
    throw translationError(dep, `${dep.provider} accepts images only as base64 data URLs in ${at}`, at);
  }
  const format = IMAGE_FORMATS[parsed.mediaType];
  if (!format) {
    throw translationError(dep, `${dep.provider} does not support image type ${parsed.mediaType} in ${at}`, at);
  }
  return { format, source: { bytes: parsed.data } };
}

/**
 * Converse document names allow letters, digits, single spaces, hyphens, parentheses and square brackets
 * (DocumentBlock.name); the filename without its extension is cleaned to fit.
 */
function documentName(filename: string | undefined, at: string): string {
  const stem = (filename ?? "").replace(/\.[^.]*$/, "");
  const clean = stem
    .replace(/[^A-Za-z0-9\s()[\]-]/g, "-")
    .replace(/\s+/g, " ")
    .trim();
  return clean || `document ${at.replace(/[^0-9]+/g, " ").trim()}`.trim();
}

function documentOf(file: llm.File, at: string, dep: DeploymentRef): JsonObject {
  if (file.fileId) throw unsupportedParam(dep, `${at}.file_id`);
  const parsed = parseDataUrl(file.fileData ?? "");
  const format = parsed ? DOCUMENT_FORMATS[parsed.mediaType] : undefined;
  if (!parsed || !format || !parsed.data) {
    throw translationError(dep, `${dep.provider} accepts file parts only as base64 data URLs of a document type`, at);
  }
  return { format, name: documentName(file.filename, at), source: { bytes: parsed.data } };
}

function toolUses(message: llm.Message, at: string, dep: DeploymentRef): JsonObject[] {
  return message.toolCalls.map((call, j) => {
    const param = `${at}.tool_calls[${j}].function.arguments`;
    const args = call.function?.arguments ?? "";
    const input = args.trim() === "" ? {} : asObject(tryParse(args));
    if (!input) throw translationError(dep, `${param} must be a JSON object`, param);
    return { toolUse: { toolUseId: call.id, name: call.function?.name ?? "", input } };
  });
}

function toolResult(message: llm.Message, at: string, dep: DeploymentRef): JsonObject {
  if (!message.toolCallId) throw translationError(dep, `${at}.tool_call_id is required`, `${at}.tool_call_id`);
  const content = contentBlocks(message, `${at}.content`, dep, true).filter((b) => b.cachePoint === undefined);
  return { toolResult: { toolUseId: message.toolCallId, content } };
}
