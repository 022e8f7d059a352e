// The AWS SageMaker adapter, for real-time endpoints serving the Hugging Face Messages API (TGI and compatible
// containers): LiteLLM's `sagemaker_chat` semantics under the `sagemaker/<endpoint-name>` prefix. The endpoint speaks
// OpenAI's chat completions, so the body and answers are the OpenAI adapter's; SageMaker adds SigV4 and, for
// streams, wraps the container's server-sent events in event-stream PayloadPart messages.

import type { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { type AwsCredentialSource, defaultAwsCredentials, type Env } from "../aws/credentials.js";
import { payloadText, readEventStream } from "../aws/event-stream.js";
import { signedPost } from "../aws/sigv4.js";
import { malformedUpstream } from "../errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import { asObject, tryParse } from "../json.js";
import { chunkOfFrame, DONE, parseChatCompletion } from "../openai/chat-response.js";
import { openAIStreamError } from "../openai/errors.js";
import { readSse } from "../sse.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { SAGEMAKER_SERVICE, sagemakerTarget } from "./api.js";
import { toSagemakerRequest } from "./chat-request.js";
import { classifySagemakerError, sagemakerStreamError } from "./errors.js";

/** What the adapter reads besides the attempt; production uses the defaults. */
export interface SagemakerOptions {
  readonly credentials?: AwsCredentialSource;
  /** Read at every call; default process.env. */
  readonly env?: Env;
}

function prepare(
  request: llm.ChatCompletionRequest,
  ctx: AttemptContext,
  options: SagemakerOptions,
  stream: boolean,
): Promise<UpstreamPost> {
  const target = sagemakerTarget(ctx.deployment, options.env ?? process.env, stream);
  return signedPost(ctx, options.credentials ?? defaultAwsCredentials, {
    url: target.url,
    service: SAGEMAKER_SERVICE,
    region: target.region,
    headers: target.headers,
    body: toSagemakerRequest(request, target.endpointName, stream),
    classify: classifySagemakerError,
  });
}

/**
 * The bytes of the container's answer: the payloads of the PayloadPart events, in order. Exceptions end the stream
 * with their classified error. A PayloadPart may hold a partial SSE frame; the SSE reader joins them.
 */
async function* payloads(
  body: AsyncIterable<Uint8Array>,
  ctx: AttemptContext,
  fail: (err: unknown) => GatewayError,
): AsyncGenerator<Uint8Array> {
  const messages = readEventStream(body, {
    fail,
    malformed: (what, cause) => malformedUpstream(ctx.deployment, what, cause),
  });
  for await (const message of messages) {
    if (message.messageType === "exception") {
      throw sagemakerStreamError(
        message.exceptionType ?? "InternalStreamFailure",
        payloadText(message),
        ctx.deployment,
      );
    }
    if (message.messageType === "error") {
      const payload = JSON.stringify({ Message: message.errorMessage ?? "stream error" });
      throw sagemakerStreamError(message.errorCode ?? "InternalStreamFailure", payload, ctx.deployment);
    }
    if (message.eventType === "PayloadPart") yield message.payload;
  }
}

/** Creates the adapter; `options` replace the credential source and environment in tests. */
export function createSagemakerAdapter(options: SagemakerOptions = {}): ProviderAdapter {
  async function chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
    return parseChatCompletion(await postJson(ctx, await prepare(request, ctx, options, false)));
  }

  /**
   * Streams the container's chat.completion.chunk frames until `data: [DONE]`. A stream that ends without it is
   * accepted only when a finish_reason was seen (as for OpenAI-compatible servers), else it is UNAVAILABLE.
   */
  async function* streamChat(
    request: llm.ChatCompletionRequest,
    ctx: AttemptContext,
  ): AsyncGenerator<llm.ChatCompletionChunk> {
    const upstream = await postStream(ctx, await prepare(request, ctx, options, true));
    const events = readSse(payloads(upstream.body, ctx, upstream.fail), {
      fail: upstream.fail,
      errorEvent: (data) => openAIStreamError(asObject(tryParse(data)) ?? {}, ctx.deployment),
      tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
    });
    let finished = false;
    for await (const event of events) {
      if (event.data === DONE) return;
      const chunk = chunkOfFrame(event.data, ctx.deployment);
      finished ||= chunk.choices.some((c) => !!c.finishReason);
      yield chunk;
    }
    if (!finished) throw malformedUpstream(ctx.deployment, "stream ended before [DONE]");
  }

  return Object.freeze({
    info: Object.freeze<ProviderInfo>({
      name: "AWS SageMaker",
      docs: "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpointWithResponseStream.html",
      capabilities: ["chat", "stream", "tools"],
    }),
    chat,
    streamChat,
  });
}

/** Calls a SageMaker endpoint's InvokeEndpoint and InvokeEndpointWithResponseStream, SigV4-signed. */
export const sagemakerAdapter: ProviderAdapter = createSagemakerAdapter();
