// Tool call ids for Gemini function calls. Gemini usually sends none, so one is made up; and thinking models
// attach a `thoughtSignature` to a functionCall part that must come back with that part on the next turn
// (https://ai.google.dev/gemini-api/docs/thought-signatures), or Gemini 3 refuses the request. OpenAI clients
// only echo the tool call's id, so the signature travels inside it, after a separator, as LiteLLM does.

import { randomBytes } from "node:crypto";

/** Between the call id and the thought signature (LiteLLM's THOUGHT_SIGNATURE_SEPARATOR). */
export const THOUGHT_SIGNATURE_SEPARATOR = "__thought__";

/** A tool call id for a function call: Gemini's own id when it sent one, else a fresh `call_...`. */
export function toolCallId(id: string | undefined, signature: string | undefined): string {
  const base = id || `call_${randomBytes(12).toString("hex")}`;
  return signature ? `${base}${THOUGHT_SIGNATURE_SEPARATOR}${signature}` : base;
}

/** The parts of a tool call id made by `toolCallId`; ids from elsewhere have no signature. */
export function splitToolCallId(id: string): { id: string; signature?: string } {
  const at = id.indexOf(THOUGHT_SIGNATURE_SEPARATOR);
  if (at < 0) return { id };
  return { id: id.slice(0, at), signature: id.slice(at + THOUGHT_SIGNATURE_SEPARATOR.length) };
}
