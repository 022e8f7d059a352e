// OpenAI response JSON -> canonical messages. The codec in @switchyard/openai parses; this adds the
// stream-level rules: `[DONE]` ends a stream and an `error` object inside a frame is a failure.

import { parseChatChunk } from "@switchyard/openai";
import type { llm } from "@switchyard/proto";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asObject, tryParse } from "../json.js";
import { openAIStreamError } from "./errors.js";

export { parseChatCompletion } from "@switchyard/openai";

/** The sentinel data of the frame that ends an OpenAI stream. */
export const DONE = "[DONE]";

/** One `data:` frame as a chunk; throws the classified error of an error frame or bad JSON. */
export function chunkOfFrame(data: string, dep: DeploymentRef): llm.ChatCompletionChunk {
  const frame = asObject(tryParse(data));
  if (!frame) throw malformedUpstream(dep, "stream frame is not a JSON object");
  if (frame.error !== undefined && frame.error !== null) throw openAIStreamError(frame, dep);
  return parseChatChunk(frame);
}
