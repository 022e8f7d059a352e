// For adapters whose wire format is close to OpenAI's (Ollama, watsonx.ai, Cloudflare Workers AI): the canonical
// request rendered as OpenAI's body by the codec, then checked field by field against what the provider takes.

import { chatRequestToJson } from "@switchyard/openai";
import type { llm } from "@switchyard/proto";
import { unsupportedParam } from "./errors.js";
import { asObject, asString, type JsonObject } from "./json.js";
import type { AttemptContext } from "./types.js";

/** Fields no provider needs to see: the gateway's own (metering, routing) or the call's (streaming). */
const GATEWAY_FIELDS = new Set(["model", "messages", "user", "metadata", "stream", "stream_options"]);

/**
 * The client's request as OpenAI's body, with every field outside `handled` refused (a 400 naming the provider and the
 * field) or, under `drop_params`, left out.
 */
export function openAIBody(
  req: llm.ChatCompletionRequest,
  ctx: AttemptContext,
  handled: ReadonlySet<string>,
): JsonObject {
  const body = chatRequestToJson(req, ctx.deployment.model);
  for (const field of Object.keys(body)) {
    if (GATEWAY_FIELDS.has(field) || handled.has(field)) continue;
    if (ctx.deployment.params.drop_params !== true) throw unsupportedParam(ctx.deployment, field);
    delete body[field];
  }
  return body;
}

/** The text of an OpenAI message `content` (a string or an array of parts; only text parts are read). */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => asString(asObject(part)?.text) ?? "").join("");
}

/** The `image_url.url` of each image part of an OpenAI message `content`. */
export function imageUrlsOf(content: unknown): string[] {
  if (!Array.isArray(content)) return [];
  const urls: string[] = [];
  for (const part of content) {
    const url = asString(asObject(asObject(part)?.image_url)?.url);
    if (asObject(part)?.type === "image_url" && url) urls.push(url);
  }
  return urls;
}

/** The content part types of an OpenAI message `content` other than text and images (audio, files). */
export function otherPartTypes(content: unknown): string[] {
  if (!Array.isArray(content)) return [];
  return content
    .map((part) => asString(asObject(part)?.type) ?? "")
    .filter((type) => type !== "text" && type !== "image_url");
}
