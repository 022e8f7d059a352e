// NLP Cloud answers -> canonical messages. A generation answer is `{"generated_text", "nb_generated_tokens",
// "nb_input_tokens"}`. A streamed one (`"stream": true`) is not SSE: the body is the generated text itself, written
// token by token, with NUL bytes between the pieces (LiteLLM's clean_and_iterate_chunks strips them), and ending with
// the marker `[DONE]`. Pieces and the marker may be split anywhere across TCP reads.

import { GatewayError } from "@switchyard/runtime";
import { type DeploymentRef, malformedUpstream } from "../errors.js";
import { asNumber, asObject, asString } from "../json.js";
import { estimatedUsage, reportedUsage, type TextAnswer } from "../text-answer.js";

/** The end-of-stream marker NLP Cloud writes after the last token. */
export const DONE = "[DONE]";

/** The finish reason of an answer: "length" when it used the whole token budget. */
export function finishOf(generated: number | undefined, maxTokens: number | undefined): string {
  return generated !== undefined && maxTokens !== undefined && generated >= maxTokens ? "length" : "stop";
}

/** A non-streamed generation answer; usage as reported, or estimated when the counts are missing. */
export async function fromGeneration(
  json: unknown,
  dep: DeploymentRef & { readonly model: string },
  prompt: string,
  maxTokens: number | undefined,
): Promise<TextAnswer> {
  const o = asObject(json);
  const text = asString(o?.generated_text);
  if (!o || text === undefined) throw malformedUpstream(dep, "generation answer has no generated_text");
  const input = asNumber(o.nb_input_tokens);
  const generated = asNumber(o.nb_generated_tokens);
  const usage =
    input !== undefined && generated !== undefined
      ? reportedUsage(input, generated)
      : await estimatedUsage(prompt, text);
  return { model: dep.model, text, finishReason: finishOf(generated, maxTokens), usage };
}

/** How one plain-text stream is read. */
export interface TextStreamOptions {
  readonly fail: (err: unknown) => GatewayError;
}

/**
 * Yields the text pieces of a streamed generation in order, NUL separators removed, and returns once `[DONE]` is
 * read (whatever follows it is ignored); a body that ends before the marker fails with UNAVAILABLE. Up to five
 * characters are held back at a time, in case they are the start of a marker split across reads. Stopping early
 * destroys the body.
 */
export async function* readTextStream(
  body: AsyncIterable<Uint8Array>,
  dep: DeploymentRef,
  options: TextStreamOptions,
): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  try {
    for await (const chunk of body) {
      pending += decoder.decode(chunk, { stream: true }).replaceAll("\0", "");
      const done = pending.indexOf(DONE);
      if (done >= 0) {
        if (done > 0) yield pending.slice(0, done);
        return;
      }
      const keep = heldBack(pending);
      if (pending.length > keep) yield pending.slice(0, pending.length - keep);
      pending = pending.slice(pending.length - keep);
    }
  } catch (err) {
    throw err instanceof GatewayError ? err : options.fail(err);
  } finally {
    const destroyable = body as { destroy?: () => void; destroyed?: boolean };
    if (typeof destroyable.destroy === "function" && !destroyable.destroyed) destroyable.destroy();
  }
  throw malformedUpstream(dep, `stream ended before ${DONE}`);
}

/** How many trailing characters could begin the marker (a proper prefix of it ends the text). */
function heldBack(text: string): number {
  for (let n = Math.min(DONE.length - 1, text.length); n > 0; n--) {
    if (DONE.startsWith(text.slice(text.length - n))) return n;
  }
  return 0;
}
