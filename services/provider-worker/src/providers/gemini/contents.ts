// Canonical messages -> Gemini `systemInstruction` and `contents` (https://ai.google.dev/api/caching#Content).
// Gemini has two roles, "user" and "model": system and developer text moves to `systemInstruction`, assistant
// tool calls become `functionCall` parts, tool results `functionResponse` parts of a user turn (named after the
// call they answer), and consecutive turns of one role are merged, as Gemini wants every response to a turn's
// function calls in one turn.

import { llm } from "@switchyard/proto";
import { type DeploymentRef, translationError } from "../errors.js";
import { asObject, type JsonObject, tryParse } from "../json.js";
import { splitToolCallId } from "./tool-ids.js";

const { Role } = llm;

/** One Gemini turn. */
export interface GeminiContent {
  role: "user" | "model";
  parts: JsonObject[];
}

/** The translated conversation. */
export interface GeminiConversation {
  systemInstruction?: { parts: JsonObject[] };
  contents: GeminiContent[];
}

/** `input_audio.format` -> MIME type. */
const AUDIO_TYPES: Readonly<Record<string, string>> = { wav: "audio/wav", mp3: "audio/mp3" };

/** MIME types by file extension, for parts given by URL (Gemini's `fileData` needs one). */
const EXTENSION_TYPES: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  gif: "image/gif",
  pdf: "application/pdf",
  mp3: "audio/mp3",
  wav: "audio/wav",
  mp4: "video/mp4",
  txt: "text/plain",
};

/** A table's own entry (never an inherited one such as `constructor`). */
function own(table: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Translates the canonical messages; throws INVALID_REQUEST naming the offending field. */
export function toContents(messages: readonly llm.Message[], dep: DeploymentRef): GeminiConversation {
  const system: JsonObject[] = [];
  const turns: GeminiContent[] = [];
  /** Tool call id -> function name, from the assistant turns seen so far. */
  const names = new Map<string, string>();
  for (const [i, message] of messages.entries()) {
    const at = `messages[${i}]`;
    switch (message.role) {
      case Role.SYSTEM:
      case Role.DEVELOPER:
        system.push(...textParts(message, `${at}.content`, dep));
        break;
      case Role.USER:
        append(turns, "user", contentParts(message, `${at}.content`, dep));
        break;
      case Role.ASSISTANT:
        append(turns, "model", [
          ...textParts(message, `${at}.content`, dep),
          ...functionCalls(message, at, dep, names),
        ]);
        break;
      case Role.TOOL:
        append(turns, "user", [functionResponse(message, at, dep, names)]);
        break;
      default:
        throw translationError(dep, `${dep.provider} does not support the role of ${at}`, `${at}.role`);
    }
  }
  return system.length > 0 ? { systemInstruction: { parts: system }, contents: turns } : { contents: turns };
}

function append(turns: GeminiContent[], role: GeminiContent["role"], parts: JsonObject[]): void {
  if (parts.length === 0) return;
  const last = turns.at(-1);
  if (last?.role === role) last.parts.push(...parts);
  else turns.push({ role, parts });
}

/** Text of a message whose content may only be text (system, developer, assistant). */
function textParts(message: llm.Message, at: string, dep: DeploymentRef): JsonObject[] {
  const content = message.content;
  if (content.case === "text") return content.value ? [{ text: content.value }] : [];
  if (content.case !== "parts") return [];
  return content.value.parts.flatMap((part, j) => {
    const p = part.part;
    if (p.case !== "text" && p.case !== "refusal") {
      throw translationError(dep, `${dep.provider} accepts only text in ${at}[${j}]`, `${at}[${j}]`);
    }
    return p.value ? [{ text: p.value }] : [];
  });
}

/** Text, image, audio and file parts of a user (or tool) message. */
function contentParts(message: llm.Message, at: string, dep: DeploymentRef): JsonObject[] {
  const content = message.content;
  if (content.case === "text") return content.value ? [{ text: content.value }] : [];
  if (content.case !== "parts") return [];
  return content.value.parts.flatMap((part, j) => mediaPart(part, `${at}[${j}]`, dep));
}

function mediaPart(part: llm.ContentPart, at: string, dep: DeploymentRef): JsonObject[] {
  const p = part.part;
  switch (p.case) {
    case "text":
    case "refusal":
      return p.value ? [{ text: p.value }] : [];
    case "imageUrl":
      return [urlPart(p.value.url, `${at}.image_url.url`, dep)];
    case "inputAudio": {
      const mimeType = own(AUDIO_TYPES, p.value.format.toLowerCase());
      if (!mimeType)
        throw translationError(dep, `${at}.input_audio.format must be wav or mp3`, `${at}.input_audio.format`);
      return [{ inlineData: { mimeType, data: p.value.data } }];
    }
    case "file":
      return [filePart(p.value, `${at}.file`, dep)];
    default:
      throw translationError(dep, `${dep.provider} does not support this content part in ${at}`, at);
  }
}

/** A base64 data URL inline; any other URL (https, gs://, a Files API URI) by reference in `fileData`. */
function urlPart(url: string, at: string, dep: DeploymentRef): JsonObject {
  const data = parseDataUrl(url);
  if (data) return { inlineData: data };
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw translationError(dep, `${at} must be a URL or a base64 data URL`, at);
  }
  return { fileData: { mimeType: mimeTypeOf(url) ?? "image/jpeg", fileUri: url } };
}

function filePart(file: llm.File, at: string, dep: DeploymentRef): JsonObject {
  if (file.fileId) {
    const mimeType = mimeTypeOf(file.filename ?? "") ?? mimeTypeOf(file.fileId) ?? "application/pdf";
    return { fileData: { mimeType, fileUri: file.fileId } };
  }
  const raw = file.fileData ?? "";
  const data = parseDataUrl(raw);
  if (data) return { inlineData: data };
  // OpenAI accepts bare base64 with a filename as well as a data URL.
  const mimeType = mimeTypeOf(file.filename ?? "");
  if (!raw || !mimeType) {
    throw translationError(dep, `${at} must carry a data URL, or base64 data with a filename`, `${at}.file_data`);
  }
  return { inlineData: { mimeType, data: raw } };
}

function parseDataUrl(url: string): { mimeType: string; data: string } | undefined {
  const match = /^data:([^;,]+)(?:;[^;,=]+=[^;,]*)*;base64,(.*)$/s.exec(url);
  return match ? { mimeType: match[1]!.toLowerCase(), data: match[2]! } : undefined;
}

function mimeTypeOf(name: string): string | undefined {
  const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(name)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : own(EXTENSION_TYPES, ext);
}

function functionCalls(message: llm.Message, at: string, dep: DeploymentRef, names: Map<string, string>): JsonObject[] {
  return message.toolCalls.map((call, j) => {
    const param = `${at}.tool_calls[${j}].function.arguments`;
    const args = call.function?.arguments ?? "";
    const parsed = args.trim() === "" ? {} : asObject(tryParse(args));
    if (!parsed) throw translationError(dep, `${param} must be a JSON object`, param);
    const name = call.function?.name ?? "";
    names.set(call.id, name);
    const { signature } = splitToolCallId(call.id);
    const part: JsonObject = { functionCall: { name, args: parsed } };
    if (signature) part.thoughtSignature = signature;
    return part;
  });
}

/**
 * A tool result as a `functionResponse`. Gemini wants the function's name and an object: a JSON object result is
 * sent as `{content: <object>}` so it stays structured, anything else as `{content: "<text>"}`.
 */
function functionResponse(
  message: llm.Message,
  at: string,
  dep: DeploymentRef,
  names: Map<string, string>,
): JsonObject {
  const id = message.toolCallId;
  if (!id) throw translationError(dep, `${at}.tool_call_id is required`, `${at}.tool_call_id`);
  const name = names.get(id) ?? message.name;
  if (!name) {
    throw translationError(
      dep,
      `${at}.tool_call_id does not match a tool call of an earlier message`,
      `${at}.tool_call_id`,
    );
  }
  const text = toolText(message);
  const structured = asObject(tryParse(text));
  return { functionResponse: { name, response: { content: structured ?? text } } };
}

function toolText(message: llm.Message): string {
  const content = message.content;
  if (content.case === "text") return content.value;
  if (content.case !== "parts") return "";
  return content.value.parts.map((p) => (p.part.case === "text" ? p.part.value : "")).join("");
}
