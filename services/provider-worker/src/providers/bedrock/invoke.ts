// Bedrock's InvokeModel for Anthropic models (LiteLLM's `bedrock/invoke/<model>`): the body is Anthropic's Messages
// request without `model` and `stream`, with `anthropic_version: "bedrock-2023-05-31"`
// (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html). The answer
// is Anthropic's message; a stream is AWS event-stream messages whose `chunk` events carry one Anthropic stream event
// each, base64-encoded in `{"bytes": ...}` (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html).
// Translation is the Anthropic adapter's; only the envelope is Bedrock's.

import type { llm } from "@switchyard/proto";
import { toMessagesRequest } from "../anthropic/chat-request.js";
import { ChunkTranslator } from "../anthropic/chat-stream.js";
import type { AwsStreamMessage } from "../aws/event-stream.js";
import { payloadText } from "../aws/event-stream.js";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asObject, asString, type JsonObject, tryParse } from "../json.js";
import type { AttemptContext } from "../types.js";
import { throwIfStreamFailure } from "./errors.js";

/** The `anthropic_version` Bedrock requires in every Anthropic body. */
export const BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31";

/** The InvokeModel body of a chat request: Anthropic's, without the fields Bedrock takes from the path. */
export function toInvokeBody(request: llm.ChatCompletionRequest, dep: AttemptContext["deployment"]): JsonObject {
  const body = toMessagesRequest(request, dep, false);
  delete body.model;
  return { anthropic_version: BEDROCK_ANTHROPIC_VERSION, ...body };
}

/** Translates an InvokeModelWithResponseStream stream: unwraps each chunk and hands it to Anthropic's translator. */
export class InvokeStreamTranslator {
  private readonly inner: ChunkTranslator;

  constructor(
    created: number,
    private readonly dep: DeploymentRef,
  ) {
    this.inner = new ChunkTranslator(created, dep);
  }

  /** True once Anthropic's `message_stop` has been translated. */
  get finished(): boolean {
    return this.inner.finished;
  }

  /** The chunks one message produces (often none); an exception message is thrown as its classified error. */
  translate(message: AwsStreamMessage): llm.ChatCompletionChunk[] {
    throwIfStreamFailure(message, this.dep);
    if (message.eventType !== "chunk") return [];
    const bytes = asString(asObject(tryParse(payloadText(message)))?.bytes);
    if (bytes === undefined) throw malformedUpstream(this.dep, "stream chunk without bytes");
    const data = Buffer.from(bytes, "base64").toString("utf8");
    const type = asString(asObject(tryParse(data))?.type);
    return this.inner.translate({ ...(type ? { event: type } : {}), data });
  }
}
