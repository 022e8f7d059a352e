// Chat for providers that only serve audio or images (Deepgram, ElevenLabs, Topaz): refused with a 400 naming the
// provider, so a model group that routes chat to them fails clearly instead of mangling the request.
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import type { AttemptContext, ProviderAdapter } from "./types.js";

function noChat(ctx: AttemptContext): GatewayError {
  return new GatewayError({
    class: llm.ErrorClass.INVALID_REQUEST,
    message: `${ctx.deployment.provider} does not support chat completions (model "${ctx.deployment.model}")`,
    param: "model",
    code: "unsupported_operation",
    provider: ctx.deployment.provider,
    deploymentId: ctx.deployment.id,
  });
}

/** `chat` and `streamChat` that always refuse. */
export const NO_CHAT: Pick<ProviderAdapter, "chat" | "streamChat"> = {
  chat: async (_request, ctx) => {
    throw noChat(ctx);
  },
  // biome-ignore lint/correctness/useYield: refuses before the first chunk.
  streamChat: async function* (_request, ctx) {
    throw noChat(ctx);
  },
};
