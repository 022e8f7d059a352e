import type { Deployment } from "@switchyard/config";
import type { llm } from "@switchyard/proto";
import type { Logger } from "@switchyard/runtime";
import type { Dispatcher } from "undici";

/** Everything one upstream attempt needs; built per call by the worker, never shared between calls. */
export interface AttemptContext {
  readonly deployment: Deployment;
  /** The resolved credential, when the deployment has one. Never logged, never put in an error. */
  readonly apiKey?: string;
  /** Other credentials by their LiteLLM names (`aws_secret_access_key` ...), resolved. Never logged. */
  readonly credentials?: Readonly<Record<string, string>>;
  /** Aborted when the caller goes away or the attempt's deadline passes; adapters pass it to undici. */
  readonly signal: AbortSignal;
  /** The attempt's limits as the router resolved them; unset ones fall back to the deployment's own. */
  readonly timeouts?: AttemptTimeouts;
  /** The keep-alive connection pool all upstream HTTP goes through. */
  readonly dispatcher: Dispatcher;
  readonly requestId: string;
  readonly log: Logger;
}

/** Limits of one attempt (docs/routing.md#timeouts). */
export interface AttemptTimeouts {
  /** A whole non-streamed answer. */
  readonly attemptMs?: number;
  /** A streamed answer's response headers (the chunk-level wait for the first chunk is enforced by the worker). */
  readonly firstTokenMs?: number;
  /** A streamed answer's longest silence between two pieces of its body. */
  readonly idleMs?: number;
}

/** What a provider can do through Switchyard; the docs' capability table is generated from these. */
export type Capability =
  | "chat"
  | "stream"
  | "tools"
  | "vision"
  | "json"
  | "embeddings"
  | "completions"
  | "rerank"
  | "transcription"
  | "speech"
  | "images";

/** A provider's entry in the capability table. */
export interface ProviderInfo {
  /** The provider's name as people write it: "Google AI Studio", "AWS Bedrock". */
  readonly name: string;
  /** The upstream API reference the adapter follows. */
  readonly docs: string;
  readonly capabilities: readonly Capability[];
}

/**
 * A provider adapter: an immutable value that turns canonical requests into one provider's wire format
 * and its answers back. Failures are thrown as GatewayError with the right ErrorClass.
 */
export interface ProviderAdapter {
  /** The provider's name, API reference and capabilities (docs/providers.md is generated from them). */
  readonly info: ProviderInfo;
  /**
   * Environment variables read, as LiteLLM reads them, when a deployment of this provider sets no `api_key` or
   * `api_base` (`GROQ_API_KEY`, `HOSTED_VLLM_API_BASE` ...); the first one set wins.
   */
  readonly env?: { readonly apiKey?: readonly string[]; readonly apiBase?: readonly string[] };
  /** Runs a non-streamed chat completion. */
  chat(request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion>;
  /**
   * Runs a streamed chat completion. Chunks are yielded in OpenAI chat.completion.chunk order, and
   * the last chunk carries usage and no choices whatever `includeUsage` says, so the gateway can meter
   * every stream; the caller drops that chunk when the client did not set `includeUsage`. (An
   * OpenAI-compatible upstream that ignores `stream_options` may send no usage chunk at all.)
   */
  streamChat(request: llm.ChatCompletionRequest, ctx: AttemptContext): AsyncIterable<llm.ChatCompletionChunk>;
  /** Embeds the request's inputs, one vector per input in order; absent when the provider has no embeddings. */
  embed?(request: llm.EmbeddingRequest, ctx: AttemptContext): Promise<llm.EmbeddingResponse>;
  /** Transcribes audio (OpenAI's /audio/transcriptions); absent when the provider has no speech to text. */
  transcribe?(request: llm.TranscriptionRequest, ctx: AttemptContext): Promise<llm.TranscriptionResponse>;
  /** Speaks text (OpenAI's /audio/speech); absent when the provider has no text to speech. */
  speak?(request: llm.SpeechRequest, ctx: AttemptContext): Promise<llm.SpeechResponse>;
  /** Generates images from a prompt; absent when the provider has no image generation. */
  generateImages?(request: llm.ImageGenerationRequest, ctx: AttemptContext): Promise<llm.ImagesResponse>;
  /** Makes variations of (or enhances) an image; absent when the provider has none. */
  varyImage?(request: llm.ImageVariationRequest, ctx: AttemptContext): Promise<llm.ImagesResponse>;
  /** Completes the request's text prompts (OpenAI's legacy `/completions`); absent when the provider has none. */
  complete?(request: llm.CompletionRequest, ctx: AttemptContext): Promise<llm.Completion>;
  /**
   * Streams a text completion, chunks in OpenAI's `text_completion` stream order; like `streamChat`, the last chunk
   * carries usage and no choices whatever `includeUsage` says. Absent when the provider has no streamed completions.
   */
  streamComplete?(request: llm.CompletionRequest, ctx: AttemptContext): AsyncIterable<llm.Completion>;
  /** Ranks the request's documents by relevance to its query, most relevant first; absent when not offered. */
  rerank?(request: llm.RerankRequest, ctx: AttemptContext): Promise<llm.RerankResponse>;
}
