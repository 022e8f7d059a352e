// The AWS Bedrock adapter: Converse (translation in chat-request/chat-response/chat-stream) and InvokeModel for
// Anthropic models (invoke.ts), I/O here. `bedrock/<model>` and `bedrock/converse/<model>` call Converse,
// `bedrock/invoke/<model>` InvokeModel.

import { randomUUID } from "node:crypto";
import type { llm } from "@switchyard/proto";
import { fromMessagesResponse } from "../anthropic/chat-response.js";
import { type AwsCredentialSource, defaultAwsCredentials, type Env } from "../aws/credentials.js";
import { readEventStream } from "../aws/event-stream.js";
import { signedPost } from "../aws/sigv4.js";
import { malformedUpstream } from "../errors.js";
import { postJson, postStream, type UpstreamPost } from "../http.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { BEDROCK_SERVICE, type BedrockApi, bearerToken, bedrockTarget, bedrockUrl } from "./api.js";
import { toConverseRequest } from "./chat-request.js";
import { type AnswerContext, fromConverseResponse } from "./chat-response.js";
import { ConverseStreamTranslator } from "./chat-stream.js";
import { classifyBedrockError } from "./errors.js";
import { InvokeStreamTranslator, toInvokeBody } from "./invoke.js";

/** What the adapter reads besides the attempt; production uses the defaults. */
export interface BedrockOptions {
  readonly credentials?: AwsCredentialSource;
  /** Read at every call; default process.env. */
  readonly env?: Env;
}

interface Prepared {
  readonly api: BedrockApi;
  readonly post: UpstreamPost;
  readonly answer: AnswerContext;
}

async function prepare(
  request: llm.ChatCompletionRequest,
  ctx: AttemptContext,
  options: BedrockOptions,
  stream: boolean,
): Promise<Prepared> {
  const env = options.env ?? process.env;
  const target = bedrockTarget(ctx.deployment, env);
  const { api } = target;
  const { body, jsonMode } =
    api === "invoke"
      ? { body: toInvokeBody(request, ctx.deployment), jsonMode: false }
      : toConverseRequest(request, ctx.deployment);
  const url = bedrockUrl(target, stream);
  const answer: AnswerContext = {
    id: `chatcmpl-${randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: target.modelId,
    jsonMode,
  };
  const bearer = bearerToken(ctx.deployment, ctx.apiKey, ctx.credentials, env);
  if (bearer) {
    return {
      api,
      post: { url, headers: { authorization: `Bearer ${bearer}` }, body, classify: classifyBedrockError },
      answer,
    };
  }
  const post = await signedPost(ctx, options.credentials ?? defaultAwsCredentials, {
    url,
    service: BEDROCK_SERVICE,
    region: target.region,
    body,
    classify: classifyBedrockError,
  });
  return { api, post, answer };
}

/** Creates the adapter; `options` replace the credential source and environment in tests. */
export function createBedrockAdapter(options: BedrockOptions = {}): ProviderAdapter {
  async function chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> {
    const { api, post, answer } = await prepare(request, ctx, options, false);
    const json = await postJson(ctx, post);
    if (api === "invoke") return fromMessagesResponse(json, answer.created, ctx.deployment);
    return fromConverseResponse(json, answer, ctx.deployment);
  }

  /**
   * Streams a ConverseStream call as OpenAI-shaped chunks. The usage chunk (no choices) comes from the metadata event
   * after messageStop and is always yielded last; the caller drops it when the client did not ask for usage. A
   * stream that ends before messageStop is UNAVAILABLE.
   */
  async function* streamChat(
    request: llm.ChatCompletionRequest,
    ctx: AttemptContext,
  ): AsyncGenerator<llm.ChatCompletionChunk> {
    const { api, post, answer } = await prepare(request, ctx, options, true);
    const upstream = await postStream(ctx, post);
    const messages = readEventStream(upstream.body, {
      fail: upstream.fail,
      malformed: (what, cause) => malformedUpstream(ctx.deployment, what, cause),
    });
    if (api === "invoke") {
      const invoke = new InvokeStreamTranslator(answer.created, ctx.deployment);
      for await (const message of messages) {
        yield* invoke.translate(message);
        if (invoke.finished) return;
      }
      throw malformedUpstream(ctx.deployment, "stream ended before message_stop");
    }
    const translator = new ConverseStreamTranslator(answer, ctx.deployment);
    for await (const message of messages) {
      yield* translator.translate(message);
      if (translator.finished) return;
    }
    if (!translator.stopped) throw malformedUpstream(ctx.deployment, "stream ended before messageStop");
  }

  return Object.freeze({
    info: Object.freeze<ProviderInfo>({
      name: "AWS Bedrock",
      docs: "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html",
      capabilities: ["chat", "stream", "tools", "vision", "json"],
    }),
    chat,
    streamChat,
  });
}

/** Calls Bedrock's Converse and ConverseStream (InvokeModel for `invoke/`), SigV4-signed or with a Bedrock API key. */
export const bedrockAdapter: ProviderAdapter = createBedrockAdapter();
