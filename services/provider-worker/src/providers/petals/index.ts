// The Petals adapter (`petals/<model>`): a swarm's HTTP generate API (chat.petals.dev or a self-hosted copy), the
// messages rendered into one prompt. The HTTP API answers whole; its token-by-token API is a WebSocket, which this
// adapter does not speak. A streamed request is therefore answered like LiteLLM's "fake streaming" for Petals: the
// complete answer replayed as 30-character chunks, then the finish_reason and the usage chunk.

import type { llm } from "@switchyard/proto";
import { postMediaJson } from "../http-media.js";
import { estimatedUsage, replayAnswer, type TextAnswer, textCompletion } from "../text-answer.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { generateUrl } from "./api.js";
import { classifyPetalsError } from "./errors.js";
import { outputsOf, toPetalsRequest } from "./generate.js";

async function answer(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<TextAnswer> {
  const call = toPetalsRequest(request, ctx);
  const json = await postMediaJson(ctx, {
    url: generateUrl(ctx.deployment),
    headers: { accept: "application/json" },
    body: { bytes: Buffer.from(call.form.toString(), "utf8"), contentType: "application/x-www-form-urlencoded" },
    classify: classifyPetalsError,
  });
  const text = outputsOf(json, ctx.deployment);
  return {
    model: ctx.deployment.model,
    text,
    // Petals says nothing about why generation stopped.
    finishReason: "stop",
    usage: await estimatedUsage(call.prompt, text),
  };
}

async function chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
  return textCompletion(await answer(request, ctx));
}

/** The whole answer, fetched first, then replayed as chunks (see the file comment). */
async function* streamChat(
  request: llm.ChatCompletionRequest,
  ctx: AttemptContext,
): AsyncGenerator<llm.ChatCompletionChunk> {
  yield* replayAnswer(await answer(request, ctx));
}

/** Calls a Petals swarm's HTTP API. */
export const petalsAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze<ProviderInfo>({
    name: "Petals",
    docs: "https://github.com/petals-infra/chat.petals.dev#post-apiv1generate",
    capabilities: Object.freeze(["chat", "stream"] as const),
  }),
  // LiteLLM itself takes only `api_base`; PETALS_API_BASE is the name its ports and wrappers read.
  env: { apiBase: ["PETALS_API_BASE"] },
  chat,
  streamChat,
});
