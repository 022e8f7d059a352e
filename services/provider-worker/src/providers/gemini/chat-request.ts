// Canonical chat request -> Gemini GenerateContentRequest body (https://ai.google.dev/api/generate-content),
// used by the Gemini API and by Vertex AI's Gemini models alike. Pure: no I/O, no clock. Parameters Gemini
// cannot honour are refused with a 400 naming them, unless the deployment sets `drop_params: true`.

import type { Deployment } from "@switchyard/config";
import type { llm } from "@switchyard/proto";
import { translationError, unsupportedParam } from "../errors.js";
import { asObject, type JsonObject, objectOf, tryParse } from "../json.js";
import { toContents } from "./contents.js";
import { toGeminiSchema } from "./schema.js";

type Dep = Pick<Deployment, "provider" | "id" | "model" | "params">;

/** Unmodelled request fields that are Gemini's own, and where they go; every other one is unsupported. */
const NATIVE_EXTRA: Readonly<Record<string, (body: JsonObject, config: JsonObject, value: unknown) => void>> = {
  top_k: (_body, config, value) => {
    config.topK = value;
  },
  safety_settings: (body, _config, value) => {
    body.safetySettings = value;
  },
  cached_content: (body, _config, value) => {
    body.cachedContent = value;
  },
};

/**
 * `reasoning_effort` -> Gemini 2.5's thinking budget, LiteLLM's mapping. "minimal" is the smallest budget each
 * model accepts (Flash may turn thinking off, Pro not below 128, Flash-Lite not below 512).
 */
const THINKING_BUDGETS: Readonly<Record<string, number>> = { low: 1024, medium: 2048, high: 4096 };

/** Builds the exact JSON body of `generateContent` and `streamGenerateContent`; throws INVALID_REQUEST. */
export function toGenerateContentRequest(req: llm.ChatCompletionRequest, dep: Dep): JsonObject {
  const drop = dep.params.drop_params === true;
  const refuse = (param: string) => {
    if (!drop) throw unsupportedParam(dep, param);
  };
  if (req.parallelToolCalls === false) refuse("parallel_tool_calls");
  const { systemInstruction, contents } = toContents(req.messages, dep);
  const body: JsonObject = { contents };
  if (systemInstruction) body.systemInstruction = systemInstruction;
  Object.assign(body, toolFields(req, dep));
  const config = generationConfig(req, dep);
  for (const [key, value] of Object.entries(objectOf(req.extraJson))) {
    const apply = Object.hasOwn(NATIVE_EXTRA, key) ? NATIVE_EXTRA[key] : undefined;
    if (apply) apply(body, config, value);
    else if (value !== null && value !== false) refuse(key);
  }
  if (Object.keys(config).length > 0) body.generationConfig = config;
  return body;
}

function generationConfig(req: llm.ChatCompletionRequest, dep: Dep): JsonObject {
  const config: JsonObject = {};
  if (req.stop.length > 0) config.stopSequences = [...req.stop];
  if (req.temperature !== undefined) config.temperature = req.temperature;
  if (req.topP !== undefined) config.topP = req.topP;
  const maxTokens = req.maxCompletionTokens ?? req.maxTokens;
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  if (req.n !== undefined) config.candidateCount = req.n;
  if (req.seed !== undefined) config.seed = Number(req.seed);
  if (req.presencePenalty !== undefined) config.presencePenalty = req.presencePenalty;
  if (req.frequencyPenalty !== undefined) config.frequencyPenalty = req.frequencyPenalty;
  Object.assign(config, responseFormat(req, dep));
  if (req.reasoningEffort !== undefined) config.thinkingConfig = thinkingConfig(req.reasoningEffort, dep);
  return config;
}

/** `json_object` -> JSON mime type; `json_schema` -> JSON mime type and the schema as Gemini's `responseSchema`. */
function responseFormat(req: llm.ChatCompletionRequest, dep: Dep): JsonObject {
  const format = req.responseFormat;
  switch (format?.type ?? "") {
    case "":
    case "text":
      return {};
    case "json_object":
      return { responseMimeType: "application/json" };
    case "json_schema": {
      const param = "response_format.json_schema.schema";
      const schema = asObject(tryParse(format?.jsonSchema?.schemaJson ?? ""));
      if (!schema) throw translationError(dep, `${param} must be a JSON object`, param);
      return { responseMimeType: "application/json", responseSchema: toGeminiSchema(schema, dep, param) };
    }
    default:
      throw translationError(
        dep,
        `response_format.type "${format?.type}" is not one of text, json_object, json_schema`,
        "response_format.type",
      );
  }
}

/** Gemini 3 takes a thinking level, Gemini 2.5 a token budget; either way the thoughts come back as reasoning. */
function thinkingConfig(effort: string, dep: Dep): JsonObject {
  if (!["minimal", "low", "medium", "high"].includes(effort)) {
    throw translationError(
      dep,
      `reasoning_effort "${effort}" is not one of minimal, low, medium, high`,
      "reasoning_effort",
    );
  }
  if (/gemini-3/.test(dep.model)) {
    return { thinkingLevel: effort === "minimal" || effort === "low" ? "low" : "high", includeThoughts: true };
  }
  return { thinkingBudget: THINKING_BUDGETS[effort] ?? minimalBudget(dep.model), includeThoughts: true };
}

function minimalBudget(model: string): number {
  if (/flash-lite/.test(model)) return 512;
  if (/pro/.test(model)) return 128;
  return 1;
}

function toolFields(req: llm.ChatCompletionRequest, dep: Dep): JsonObject {
  if (req.tools.length === 0) return {};
  const functionDeclarations = req.tools.map((tool, i) => {
    const at = `tools[${i}]`;
    if (tool.type !== "function" || !tool.function) throw unsupportedParam(dep, `${at}.type`, `"${tool.type}"`);
    const fn = tool.function;
    const out: JsonObject = { name: fn.name };
    if (fn.description) out.description = fn.description;
    const parameters = fn.parametersJson ? asObject(tryParse(fn.parametersJson)) : {};
    if (!parameters) {
      throw translationError(dep, `${at}.function.parameters must be a JSON object`, `${at}.function.parameters`);
    }
    // Gemini refuses an OBJECT schema with no properties; a function without arguments declares none.
    if (Object.keys(asObject(parameters.properties) ?? {}).length > 0) {
      out.parameters = toGeminiSchema(parameters, dep, `${at}.function.parameters`);
    }
    return out;
  });
  const config = toolConfig(req, dep);
  return config ? { tools: [{ functionDeclarations }], toolConfig: config } : { tools: [{ functionDeclarations }] };
}

const TOOL_MODES: ReadonlyMap<string, string> = new Map([
  ["auto", "AUTO"],
  ["none", "NONE"],
  ["required", "ANY"],
]);

/** tool_choice -> toolConfig.functionCallingConfig: auto AUTO, none NONE, required ANY, a name ANY of it. */
function toolConfig(req: llm.ChatCompletionRequest, dep: Dep): JsonObject | undefined {
  const choice = req.toolChoice?.choice;
  if (choice?.case === "functionName") {
    return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.value] } };
  }
  if (choice?.case !== "mode") return undefined;
  const mode = TOOL_MODES.get(choice.value);
  if (!mode)
    throw translationError(dep, `tool_choice "${choice.value}" is not one of none, auto, required`, "tool_choice");
  return { functionCallingConfig: { mode } };
}
