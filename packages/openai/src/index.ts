// @switchyard/openai: the OpenAI chat completions wire format <-> the canonical switchyard.llm.v1
// messages. Pure functions, no I/O; used by the ingress (client side) and the OpenAI provider
// adapter (upstream side).

export {
  embeddingRequestToJson,
  MAX_EMBEDDING_INPUTS,
  parseEmbeddingRequest,
  parseEmbeddingResponse,
  renderEmbeddingResponse,
} from "./embeddings.js";
export { estimatePromptTokens, estimateTextTokens } from "./estimate.js";
export { renderError, renderModelList } from "./render-error.js";
export { MAX_CLIENT_FALLBACKS, MODELLED_FIELDS, parseChatRequest } from "./request-parse.js";
export { chatRequestToJson } from "./request-render.js";
export { parseChatChunk, parseChatCompletion } from "./response-parse.js";
export { renderChatChunk, renderChatCompletion } from "./response-render.js";
export { isRequestTag, MAX_REQUEST_TAGS, REQUEST_TAG_RULE } from "./tags.js";
