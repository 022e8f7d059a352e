// The rules of audio and image requests that their proto types cannot express, for gRPC callers; REST bodies are
// already checked by the OpenAI codecs. `prefix` names the field ("request.file: ...").
import { MAX_IMAGES, MAX_SPEECH_INPUT, SPEECH_CONTENT_TYPES, TRANSCRIPTION_FORMATS } from "@switchyard/openai";
import type { llm } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";

function fail(field: string, problem: string): never {
  throw invalidRequest(`${field}: ${problem}`, field);
}

function required<T extends { model: string }>(req: T | undefined, prefix: string): T {
  if (!req) fail(prefix.slice(0, -1), "required");
  if (!req.model) fail(`${prefix}model`, "required");
  return req;
}

function oneOf(value: string, allowed: readonly string[], field: string): void {
  if (value !== "" && !allowed.includes(value))
    fail(field, `expected one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
}

function count(n: number | undefined, field: string): void {
  if (n !== undefined && (n < 1 || n > MAX_IMAGES)) fail(field, `expected an integer between 1 and ${MAX_IMAGES}`);
}

/** A transcription request: audio bytes, a known response format, temperature in [0, 1]. */
export function validateTranscriptionRequest(
  req: llm.TranscriptionRequest | undefined,
  prefix = "request.",
): llm.TranscriptionRequest {
  const valid = required(req, prefix);
  if (valid.file.length === 0) fail(`${prefix}file`, "expected the audio bytes");
  oneOf(valid.responseFormat, TRANSCRIPTION_FORMATS, `${prefix}response_format`);
  if (valid.temperature !== undefined && !(valid.temperature >= 0 && valid.temperature <= 1)) {
    fail(`${prefix}temperature`, "expected a number between 0 and 1");
  }
  valid.timestampGranularities.forEach((g, i) => {
    oneOf(g, ["word", "segment"], `${prefix}timestamp_granularities[${i}]`);
  });
  valid.responseFormat ||= "json";
  valid.filename ||= "audio";
  valid.contentType ||= "application/octet-stream";
  return valid;
}

/** A speech request: non-empty input of at most 4096 characters, a voice, a known format, speed in [0.25, 4]. */
export function validateSpeechRequest(req: llm.SpeechRequest | undefined, prefix = "request."): llm.SpeechRequest {
  const valid = required(req, prefix);
  if (valid.input === "") fail(`${prefix}input`, "expected a non-empty string");
  if (valid.input.length > MAX_SPEECH_INPUT) fail(`${prefix}input`, `expected at most ${MAX_SPEECH_INPUT} characters`);
  if (valid.voice === "") fail(`${prefix}voice`, "required");
  oneOf(valid.responseFormat, Object.keys(SPEECH_CONTENT_TYPES), `${prefix}response_format`);
  if (valid.speed !== undefined && !(valid.speed >= 0.25 && valid.speed <= 4)) {
    fail(`${prefix}speed`, "expected a number between 0.25 and 4");
  }
  valid.responseFormat ||= "mp3";
  return valid;
}

/** An image generation request: a prompt, n in [1, 10], url or b64_json. */
export function validateImageGenerationRequest(
  req: llm.ImageGenerationRequest | undefined,
  prefix = "request.",
): llm.ImageGenerationRequest {
  const valid = required(req, prefix);
  if (valid.prompt === "") fail(`${prefix}prompt`, "expected a non-empty string");
  count(valid.n, `${prefix}n`);
  oneOf(valid.responseFormat, ["url", "b64_json"], `${prefix}response_format`);
  return valid;
}

/** An image variation request: image bytes, n in [1, 10], url or b64_json. */
export function validateImageVariationRequest(
  req: llm.ImageVariationRequest | undefined,
  prefix = "request.",
): llm.ImageVariationRequest {
  const valid = required(req, prefix);
  if (valid.image.length === 0) fail(`${prefix}image`, "expected the image bytes");
  count(valid.n, `${prefix}n`);
  oneOf(valid.responseFormat, ["url", "b64_json"], `${prefix}response_format`);
  oneOf(valid.size, ["256x256", "512x512", "1024x1024"], `${prefix}size`);
  valid.filename ||= "image.png";
  valid.contentType ||= "image/png";
  return valid;
}
