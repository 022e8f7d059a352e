// watsonx.ai chat answers -> canonical messages. Answers and stream chunks are OpenAI's shapes with `model_id`,
// `created_at` and `model_version` beside them; the last stream chunk carries the finish_reason and `usage` together
// and no `[DONE]` follows (the stream just ends).

import { create } from "@bufbuild/protobuf";
import { parseChatChunk, parseChatCompletion } from "@switchyard/openai";
import { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asObject, asString, type JsonObject, tryParse } from "../json.js";
import { watsonxStreamError } from "./errors.js";

/** Fields of watsonx's answers that OpenAI's lack; not passed on to clients. */
const WATSONX_ONLY = ["model_id", "model_version", "created_at", "system"] as const;

function asOpenAI(o: JsonObject): JsonObject {
  const out: JsonObject = { ...o, model: asString(o.model) ?? asString(o.model_id) ?? "" };
  for (const field of WATSONX_ONLY) delete out[field];
  return out;
}

/** A non-streamed `/text/chat` answer. */
export function fromWatsonxResponse(json: unknown, dep: DeploymentRef): llm.ChatCompletion {
  const o = asObject(json);
  if (!o) throw malformedUpstream(dep, "response is not a JSON object");
  return parseChatCompletion(asOpenAI(o));
}

/**
 * One `data:` frame as chunks: the chunk itself, and when it carries usage, that usage split off into a chunk of its
 * own with no choices (the gateway's last chunk). Throws the classified error of an error frame.
 */
export function chunksOfFrame(data: string, dep: DeploymentRef): llm.ChatCompletionChunk[] {
  const o = asObject(tryParse(data));
  if (!o) throw malformedUpstream(dep, "stream frame is not a JSON object");
  if (o.errors !== undefined) throw watsonxStreamError(data, dep);
  const chunk = parseChatChunk(asOpenAI(o));
  if (!chunk.usage) return [chunk];
  const usage = create(llm.ChatCompletionChunkSchema, {
    id: chunk.id,
    created: chunk.created,
    model: chunk.model,
    choices: [],
    usage: chunk.usage,
  });
  chunk.usage = undefined;
  return chunk.choices.length > 0 ? [chunk, usage] : [usage];
}
