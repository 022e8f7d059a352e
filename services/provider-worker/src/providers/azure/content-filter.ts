// Azure's content filter on 200 answers (https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter):
// a completion whose output was blocked finishes with `content_filter` and carries no content. Such an answer becomes
// a CONTENT_POLICY error; an answer filtered after some output keeps its finish_reason, as OpenAI clients expect.

import type { llm } from "@switchyard/proto";
import type { DeploymentRef } from "../errors.js";
import { contentFilterError } from "./errors.js";

const FILTERED = "content_filter";

/** The completion, or the CONTENT_POLICY error when the filter withheld every choice before any output. */
export function unlessFiltered(completion: llm.ChatCompletion, dep: DeploymentRef): llm.ChatCompletion {
  const withheld = (choice: llm.Choice) =>
    choice.finishReason === FILTERED && !choice.message?.content && !choice.message?.toolCalls.length;
  if (completion.choices.length > 0 && completion.choices.every(withheld)) throw contentFilterError(dep);
  return completion;
}

/** Whether a chunk carries output (text, a tool call, a refusal, reasoning), a finish_reason or usage. */
function carriesSomething(chunk: llm.ChatCompletionChunk): boolean {
  if (chunk.usage) return true;
  return chunk.choices.some(({ delta, finishReason }) => {
    if (finishReason) return true;
    return !!(delta?.content || delta?.refusal || delta?.reasoningContent || delta?.toolCalls.length);
  });
}

/**
 * Passes a stream through, holding back its leading chunks until one carries something: a `content_filter` finish
 * before any output then becomes the CONTENT_POLICY error while nothing has reached the client, so the router may
 * still fall back. Azure's leading chunk with no choices and no usage (only `prompt_filter_results`, an empty id and
 * model) is dropped: in OpenAI's stream only the final usage chunk has no choices.
 */
export async function* unlessStreamFiltered(
  chunks: AsyncIterable<llm.ChatCompletionChunk>,
  dep: DeploymentRef,
): AsyncGenerator<llm.ChatCompletionChunk> {
  const held: llm.ChatCompletionChunk[] = [];
  let started = false;
  for await (const chunk of chunks) {
    if (started) {
      yield chunk;
      continue;
    }
    if (chunk.choices.length === 0 && !chunk.usage) continue;
    if (chunk.choices.some((choice) => choice.finishReason === FILTERED)) throw contentFilterError(dep);
    held.push(chunk);
    if (!carriesSomething(chunk)) continue;
    started = true;
    yield* held.splice(0);
  }
  yield* held;
}
