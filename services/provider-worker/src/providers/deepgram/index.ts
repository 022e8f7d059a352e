// The Deepgram adapter: OpenAI's /v1/audio/transcriptions served by Deepgram's pre-recorded /v1/listen
// (https://developers.deepgram.com/reference/listen-file). Speech to text only: chat is refused.

import type { llm } from "@switchyard/proto";
import { NO_CHAT } from "../audio-only.js";
import { postMediaJson } from "../http-media.js";
import type { AttemptContext, ProviderAdapter } from "../types.js";
import { deepgramHeaders, listenUrl } from "./api.js";
import { classifyDeepgramError } from "./errors.js";
import { listenQuery, parseListenResponse } from "./transcription.js";

/** Deepgram speech to text: the audio as the raw body with its content type, options in the query. */
export const deepgramAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze({
    name: "Deepgram",
    docs: "https://developers.deepgram.com/reference/listen-file",
    capabilities: Object.freeze(["transcription"] as const),
  }),
  env: { apiKey: ["DEEPGRAM_API_KEY"], apiBase: ["DEEPGRAM_API_BASE"] },
  ...NO_CHAT,
  async transcribe(request: llm.TranscriptionRequest, ctx: AttemptContext) {
    const json = await postMediaJson(ctx, {
      url: listenUrl(ctx.deployment, listenQuery(request, ctx)),
      headers: deepgramHeaders(ctx.apiKey),
      body: { bytes: request.file, contentType: request.contentType || "application/octet-stream" },
      classify: classifyDeepgramError,
    });
    const res = parseListenResponse(json, ctx);
    // OpenAI returns words only when asked for them.
    if (!request.timestampGranularities.includes("word")) res.words = [];
    return res;
  },
});
