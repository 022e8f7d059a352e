// The Gemini API adapter (Google AI Studio): translation in chat-request/chat-response/chat-stream, I/O in call.ts.

import type { llm } from "@switchyard/proto";
import type { UpstreamPost } from "../http.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { geminiHeaders, generateContentUrl } from "./api.js";
import { generateContent, streamGenerateContent } from "./call.js";
import { toGenerateContentRequest } from "./chat-request.js";
import { classifyGoogleError } from "./errors.js";

function post(request: llm.ChatCompletionRequest, ctx: AttemptContext, stream: boolean): UpstreamPost {
  return {
    url: generateContentUrl(ctx.deployment, stream),
    headers: geminiHeaders(ctx.apiKey),
    body: toGenerateContentRequest(request, ctx.deployment),
    classify: classifyGoogleError,
  };
}

/** Calls the Gemini API's `models/{model}:generateContent` with the key in `x-goog-api-key`. */
export const geminiAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "Google AI Studio (Gemini)",
    docs: "https://ai.google.dev/api/generate-content",
    capabilities: ["chat", "stream", "tools", "vision", "json"],
  }),
  env: Object.freeze({ apiKey: ["GEMINI_API_KEY"] }),
  chat: (request: llm.ChatCompletionRequest, ctx: AttemptContext) => generateContent(ctx, post(request, ctx, false)),
  async *streamChat(request: llm.ChatCompletionRequest, ctx: AttemptContext) {
    yield* streamGenerateContent(ctx, post(request, ctx, true));
  },
});
