// OpenAI's audio and image endpoints (https://platform.openai.com/docs/api-reference/audio,
// https://platform.openai.com/docs/api-reference/images), for OpenAI and the compatible providers that serve them:
// `/audio/transcriptions` and `/images/variations` as multipart uploads (undici's FormData), `/audio/speech` and
// `/images/generations` as JSON.
import { create } from "@bufbuild/protobuf";
import type { Deployment } from "@switchyard/config";
import {
  imageGenerationToJson,
  isTextTranscription,
  parseImagesResponse,
  parseTranscriptionResponse,
  SPEECH_CONTENT_TYPES,
  speechRequestToJson,
} from "@switchyard/openai";
import { llm } from "@switchyard/proto";
import { FormData } from "undici";
import { malformedUpstream } from "../errors.js";
import { postMedia, postMediaJson } from "../http-media.js";
import type { AttemptContext, ProviderAdapter } from "../types.js";
import { DEFAULT_BASE_URL, type KeyHeader, openaiHeaders } from "./api.js";
import { classifyOpenAIError } from "./errors.js";

/** `{api_base}/{path}` (an api_base given as the full chat completions URL is cut back to its base). */
export function mediaUrl(deployment: Pick<Deployment, "apiBase">, path: string, fallback = DEFAULT_BASE_URL): string {
  const base = (deployment.apiBase || fallback).replace(/\/+$/, "").replace(/\/chat\/completions$/, "");
  return `${base}/${path}`;
}

/** Which of OpenAI's media endpoints a provider serves. */
export interface MediaSupport {
  readonly transcription?: boolean;
  readonly speech?: boolean;
  readonly images?: boolean;
}

/** A file part: the bytes as a Blob with the client's name and content type. */
function filePart(bytes: Uint8Array, type: string): Blob {
  return new Blob([bytes], { type });
}

/** The multipart form sent to `/audio/transcriptions`, with the deployment's upstream model. */
export function transcriptionForm(request: llm.TranscriptionRequest, model: string): FormData {
  const form = new FormData();
  form.append("file", filePart(request.file, request.contentType), request.filename);
  form.append("model", model);
  if (request.language) form.append("language", request.language);
  if (request.prompt) form.append("prompt", request.prompt);
  form.append("response_format", request.responseFormat || "json");
  if (request.temperature !== undefined) form.append("temperature", String(request.temperature));
  for (const g of request.timestampGranularities) form.append("timestamp_granularities[]", g);
  return form;
}

/** The multipart form sent to `/images/variations`. */
export function variationForm(request: llm.ImageVariationRequest, model: string): FormData {
  const form = new FormData();
  form.append("image", filePart(request.image, request.contentType), request.filename);
  form.append("model", model);
  if (request.n !== undefined) form.append("n", String(request.n));
  if (request.size) form.append("size", request.size);
  if (request.responseFormat) form.append("response_format", request.responseFormat);
  if (request.user) form.append("user", request.user);
  return form;
}

/** The media methods of an OpenAI-compatible adapter, for the endpoints `support` names. */
export function openAIMediaMethods(
  support: MediaSupport,
  baseUrl: string | undefined,
  keyHeader: KeyHeader | undefined,
): Pick<ProviderAdapter, "transcribe" | "speak" | "generateImages" | "varyImage"> {
  const target = (ctx: AttemptContext, path: string) => ({
    url: mediaUrl(ctx.deployment, path, baseUrl),
    headers: openaiHeaders(ctx.deployment, ctx.apiKey, keyHeader),
    classify: classifyOpenAIError,
  });
  const transcribe = async (request: llm.TranscriptionRequest, ctx: AttemptContext) => {
    const format = request.responseFormat || "json";
    const form = transcriptionForm(request, ctx.deployment.model);
    const answer = await postMedia(ctx, { ...target(ctx, "audio/transcriptions"), body: { form } });
    const text = answer.bytes.toString("utf8");
    if (isTextTranscription(format)) return parseTranscriptionResponse(text, format, ctx.deployment.model);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw malformedUpstream(ctx.deployment, "response is not valid JSON", err);
    }
    return parseTranscriptionResponse(json, format, ctx.deployment.model);
  };
  const speak = async (request: llm.SpeechRequest, ctx: AttemptContext) => {
    const json = speechRequestToJson(request, ctx.deployment.model);
    const answer = await postMedia(ctx, { ...target(ctx, "audio/speech"), body: { json } });
    return create(llm.SpeechResponseSchema, {
      model: ctx.deployment.model,
      audio: answer.bytes,
      contentType: SPEECH_CONTENT_TYPES[request.responseFormat || "mp3"] ?? answer.contentType,
      characters: [...request.input].length,
    });
  };
  const generateImages = async (request: llm.ImageGenerationRequest, ctx: AttemptContext) => {
    const json = imageGenerationToJson(request, ctx.deployment.model);
    return parseImagesResponse(
      await postMediaJson(ctx, { ...target(ctx, "images/generations"), body: { json } }),
      ctx.deployment.model,
    );
  };
  const varyImage = async (request: llm.ImageVariationRequest, ctx: AttemptContext) => {
    const form = variationForm(request, ctx.deployment.model);
    return parseImagesResponse(
      await postMediaJson(ctx, { ...target(ctx, "images/variations"), body: { form } }),
      ctx.deployment.model,
    );
  };
  return {
    ...(support.transcription ? { transcribe } : {}),
    ...(support.speech ? { speak } : {}),
    ...(support.images ? { generateImages, varyImage } : {}),
  };
}
