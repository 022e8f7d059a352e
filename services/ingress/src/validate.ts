import {
  isRequestTag,
  MAX_CLIENT_FALLBACKS,
  MAX_COMPLETION_PROMPTS,
  MAX_EMBEDDING_INPUTS,
  MAX_REQUEST_TAGS,
  MAX_RERANK_DOCUMENTS,
  REQUEST_TAG_RULE,
} from "@switchyard/openai";
import type { llm } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";

/**
 * Checks the semantic rules of a canonical request that its types cannot express. REST bodies are
 * already checked by the OpenAI parser; gRPC callers get the same rules, with `prefix` naming the field.
 */
export function validateChatRequest(
  req: llm.ChatCompletionRequest | undefined,
  prefix = "request.",
): llm.ChatCompletionRequest {
  if (!req) throw invalidRequest(`${prefix.slice(0, -1)}: required`, prefix.slice(0, -1));
  if (!req.model) throw invalidRequest(`${prefix}model: required`, `${prefix}model`);
  if (req.messages.length === 0)
    throw invalidRequest(`${prefix}messages: expected at least one message`, `${prefix}messages`);
  range(req.temperature, 0, 2, `${prefix}temperature`);
  range(req.topP, 0, 1, `${prefix}top_p`);
  range(req.presencePenalty, -2, 2, `${prefix}presence_penalty`);
  range(req.frequencyPenalty, -2, 2, `${prefix}frequency_penalty`);
  range(req.n, 1, 128, `${prefix}n`);
  if (req.maxTokens !== undefined && req.maxTokens < 1)
    throw invalidRequest(`${prefix}max_tokens: expected a positive integer`, `${prefix}max_tokens`);
  if (req.maxCompletionTokens !== undefined && req.maxCompletionTokens < 1) {
    throw invalidRequest(
      `${prefix}max_completion_tokens: expected a positive integer`,
      `${prefix}max_completion_tokens`,
    );
  }
  if (req.stop.length > 4) throw invalidRequest(`${prefix}stop: expected at most 4 sequences`, `${prefix}stop`);
  if (req.tags.length > MAX_REQUEST_TAGS) {
    throw invalidRequest(`${prefix}tags: expected at most ${MAX_REQUEST_TAGS} tags`, `${prefix}tags`);
  }
  req.tags.forEach((tag, i) => {
    if (!isRequestTag(tag)) throw invalidRequest(`${prefix}tags[${i}]: expected ${REQUEST_TAG_RULE}`, `${prefix}tags`);
  });
  if (req.fallbacks.length > MAX_CLIENT_FALLBACKS) {
    throw invalidRequest(`${prefix}fallbacks: expected at most ${MAX_CLIENT_FALLBACKS} models`, `${prefix}fallbacks`);
  }
  req.fallbacks.forEach((name, i) => {
    if (name === "" || name.length > 256) {
      throw invalidRequest(`${prefix}fallbacks[${i}]: expected a model name`, `${prefix}fallbacks`);
    }
  });
  if (req.extraJson) {
    try {
      const extra: unknown = JSON.parse(req.extraJson);
      if (typeof extra !== "object" || extra === null || Array.isArray(extra)) throw new Error();
    } catch {
      throw invalidRequest(`${prefix}extra_json: expected a JSON object`, `${prefix}extra_json`);
    }
  }
  return req;
}

function range(value: number | undefined, min: number, max: number, field: string): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < min || value > max) {
    throw invalidRequest(`${field}: expected a number between ${min} and ${max}`, field);
  }
}

/**
 * Checks a gRPC embeddings request against the rules the OpenAI parser applies to REST bodies: a model, inputs as
 * texts or token ids (not both, at most MAX_EMBEDDING_INPUTS, none empty), and a sane `dimensions`.
 */
export function validateEmbeddingRequest(
  req: llm.EmbeddingRequest | undefined,
  prefix = "request.",
): llm.EmbeddingRequest {
  if (!req) throw invalidRequest(`${prefix.slice(0, -1)}: required`, prefix.slice(0, -1));
  if (!req.model) throw invalidRequest(`${prefix}model: required`, `${prefix}model`);
  const texts = req.texts.length;
  const tokens = req.tokenInputs.length;
  if (texts === 0 && tokens === 0)
    throw invalidRequest(`${prefix}texts: expected at least one input`, `${prefix}texts`);
  if (texts > 0 && tokens > 0) {
    throw invalidRequest(
      `${prefix}token_inputs: expected either texts or token_inputs, not both`,
      `${prefix}token_inputs`,
    );
  }
  if (texts + tokens > MAX_EMBEDDING_INPUTS) {
    const field = texts > 0 ? "texts" : "token_inputs";
    throw invalidRequest(`${prefix}${field}: expected at most ${MAX_EMBEDDING_INPUTS} inputs`, `${prefix}${field}`);
  }
  req.texts.forEach((text, i) => {
    if (text === "") throw invalidRequest(`${prefix}texts[${i}]: expected a non-empty string`, `${prefix}texts[${i}]`);
  });
  req.tokenInputs.forEach((t, i) => {
    if (t.ids.length === 0) {
      throw invalidRequest(
        `${prefix}token_inputs[${i}]: expected at least one token id`,
        `${prefix}token_inputs[${i}]`,
      );
    }
  });
  range(req.dimensions, 1, 65_536, `${prefix}dimensions`);
  if (req.encodingFormat !== "" && req.encodingFormat !== "float" && req.encodingFormat !== "base64") {
    throw invalidRequest(`${prefix}encoding_format: expected "float" or "base64"`, `${prefix}encoding_format`);
  }
  return req;
}

/**
 * Checks a gRPC text completion request against the rules the OpenAI parser applies to REST bodies: a model, prompts
 * as texts or token ids (not both) and sane sampling values. `stream` is set by the call (StreamCompletion or not).
 */
export function validateCompletionRequest(
  req: llm.CompletionRequest | undefined,
  prefix = "request.",
): llm.CompletionRequest {
  if (!req) throw invalidRequest(`${prefix.slice(0, -1)}: required`, prefix.slice(0, -1));
  if (!req.model) throw invalidRequest(`${prefix}model: required`, `${prefix}model`);
  const texts = req.prompts.length;
  const tokens = req.tokenPrompts.length;
  if (texts === 0 && tokens === 0)
    throw invalidRequest(`${prefix}prompts: expected at least one prompt`, `${prefix}prompts`);
  if (texts > 0 && tokens > 0) {
    throw invalidRequest(
      `${prefix}token_prompts: expected either prompts or token_prompts, not both`,
      `${prefix}token_prompts`,
    );
  }
  if (texts + tokens > MAX_COMPLETION_PROMPTS) {
    const field = texts > 0 ? "prompts" : "token_prompts";
    throw invalidRequest(`${prefix}${field}: expected at most ${MAX_COMPLETION_PROMPTS} prompts`, `${prefix}${field}`);
  }
  req.tokenPrompts.forEach((t, i) => {
    if (t.ids.length === 0) {
      throw invalidRequest(
        `${prefix}token_prompts[${i}]: expected at least one token id`,
        `${prefix}token_prompts[${i}]`,
      );
    }
  });
  range(req.temperature, 0, 2, `${prefix}temperature`);
  range(req.topP, 0, 1, `${prefix}top_p`);
  range(req.n, 1, 128, `${prefix}n`);
  range(req.logprobs, 0, 5, `${prefix}logprobs`);
  extraJsonObject(req.extraJson, `${prefix}extra_json`);
  return req;
}

/** Checks a gRPC rerank request: a model, a query, and between 1 and MAX_RERANK_DOCUMENTS documents with text. */
export function validateRerankRequest(req: llm.RerankRequest | undefined, prefix = "request."): llm.RerankRequest {
  if (!req) throw invalidRequest(`${prefix.slice(0, -1)}: required`, prefix.slice(0, -1));
  if (!req.model) throw invalidRequest(`${prefix}model: required`, `${prefix}model`);
  if (!req.query) throw invalidRequest(`${prefix}query: required`, `${prefix}query`);
  if (req.documents.length === 0) {
    throw invalidRequest(`${prefix}documents: expected at least one document`, `${prefix}documents`);
  }
  if (req.documents.length > MAX_RERANK_DOCUMENTS) {
    throw invalidRequest(
      `${prefix}documents: expected at most ${MAX_RERANK_DOCUMENTS} documents`,
      `${prefix}documents`,
    );
  }
  req.documents.forEach((d, i) => {
    if (d.text === "" && d.json === "") {
      throw invalidRequest(`${prefix}documents[${i}]: expected text or json`, `${prefix}documents[${i}]`);
    }
    if (d.json !== "") extraJsonObject(d.json, `${prefix}documents[${i}].json`);
  });
  range(req.topN, 1, MAX_RERANK_DOCUMENTS, `${prefix}top_n`);
  extraJsonObject(req.extraJson, `${prefix}extra_json`);
  return req;
}

function extraJsonObject(text: string, field: string): void {
  if (text === "") return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest(`${field}: expected a JSON object`, field);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidRequest(`${field}: expected a JSON object`, field);
  }
}
