// @switchyard/openai: the OpenAI chat completions wire format <-> the canonical switchyard.llm.v1
// messages. Pure functions, no I/O; used by the ingress (client side) and the OpenAI provider
// adapter (upstream side).

export { parseCountTokensRequest, parseMessagesRequest } from "./anthropic-request.js";
export {
  anthropicErrorType,
  anthropicMessageId,
  anthropicUsage,
  renderAnthropicError,
  renderAnthropicMessage,
} from "./anthropic-response.js";
export { AnthropicStreamEncoder, anthropicErrorEvent, anthropicEvent } from "./anthropic-stream.js";
export {
  isTextTranscription,
  MAX_SPEECH_INPUT,
  parseSpeechRequest,
  parseTranscriptionForm,
  parseTranscriptionResponse,
  renderTranscription,
  SPEECH_CONTENT_TYPES,
  speechRequestToJson,
  TRANSCRIPTION_FORMATS,
} from "./audio.js";
export { type AudioHint, audioSeconds, characters } from "./audio-duration.js";
export {
  completionRequestToJson,
  MAX_COMPLETION_PROMPTS,
  parseCompletionRequest,
  parseCompletionResponse,
  promptJson,
  renderCompletion,
  renderCompletionChunk,
} from "./completions.js";
export {
  embeddingRequestToJson,
  MAX_EMBEDDING_INPUTS,
  parseEmbeddingRequest,
  parseEmbeddingResponse,
  renderEmbeddingResponse,
} from "./embeddings.js";
export { estimatePromptTokens, estimateTextTokens, warmTokenizer } from "./estimate.js";
export type { Form, FormFile } from "./form.js";
export {
  imageGenerationToJson,
  MAX_IMAGES,
  parseImageGenerationRequest,
  parseImagesResponse,
  parseImageVariationForm,
  renderImagesResponse,
} from "./images.js";
export { renderError, renderModelList } from "./render-error.js";
export { MAX_CLIENT_FALLBACKS, MODELLED_FIELDS, parseChatRequest } from "./request-parse.js";
export { chatRequestToJson } from "./request-render.js";
export { documentText, MAX_RERANK_DOCUMENTS, parseRerankRequest, renderRerankResponse } from "./rerank.js";
export { parseChatChunk, parseChatCompletion } from "./response-parse.js";
export { renderChatChunk, renderChatCompletion } from "./response-render.js";
export { isRequestTag, MAX_REQUEST_TAGS, REQUEST_TAG_RULE } from "./tags.js";
