// OpenAI's transcription request -> Deepgram's /v1/listen query, and Deepgram's answer -> the canonical transcription.
// Deepgram reads the audio's format from its content type and answers
// {"metadata":{"duration":..},"results":{"channels":[{"alternatives":[{"transcript":"..","words":[..]}]}]}}.
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { malformedUpstream, unsupportedParam } from "../errors.js";
import { asArray, asNumber, asObject, asString } from "../json.js";
import type { AttemptContext } from "../types.js";

/** The query options of a transcription; what Deepgram cannot do is refused (or dropped under drop_params). */
export function listenQuery(request: llm.TranscriptionRequest, ctx: AttemptContext): Record<string, string> {
  const dep = ctx.deployment;
  const drop = dep.params.drop_params === true;
  const refuse = (param: string, detail = "") => {
    if (!drop) throw unsupportedParam(dep, param, detail);
  };
  const format = request.responseFormat || "json";
  if (format === "srt" || format === "vtt") refuse("response_format", `"${format}" (use json, verbose_json or text)`);
  if (request.prompt) refuse("prompt");
  if (request.temperature !== undefined) refuse("temperature");
  if (request.timestampGranularities.includes("segment")) refuse("timestamp_granularities", '"segment"');
  // Deepgram punctuates and capitalises only when asked; OpenAI's models always do.
  const query: Record<string, string> = { smart_format: "true" };
  if (request.language) query.language = request.language;
  else query.detect_language = "true";
  return query;
}

/** Reads Deepgram's answer; a body without a transcript is UNAVAILABLE (retryable). */
export function parseListenResponse(json: unknown, ctx: AttemptContext): llm.TranscriptionResponse {
  const root = asObject(json);
  const channel = asObject(asArray(asObject(root?.results)?.channels)?.[0]);
  const best = asObject(asArray(channel?.alternatives)?.[0]);
  const transcript = asString(best?.transcript);
  if (transcript === undefined) throw malformedUpstream(ctx.deployment, "no results.channels[0].alternatives[0]");
  const duration = asNumber(asObject(root?.metadata)?.duration);
  const words = (asArray(best?.words) ?? []).map((raw) => {
    const w = asObject(raw) ?? {};
    return create(llm.TranscriptionWordSchema, {
      word: asString(w.punctuated_word) ?? asString(w.word) ?? "",
      start: asNumber(w.start) ?? 0,
      end: asNumber(w.end) ?? 0,
    });
  });
  return create(llm.TranscriptionResponseSchema, {
    model: ctx.deployment.model,
    text: transcript,
    language: asString(channel?.detected_language) ?? "",
    ...(duration === undefined ? {} : { durationSeconds: duration }),
    words,
  });
}
