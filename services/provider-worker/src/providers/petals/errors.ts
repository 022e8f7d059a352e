// Petals errors -> canonical classes. A failed generation is `{"ok": false, "traceback": "<Python traceback>"}` with
// HTTP 200 (chat.petals.dev's http_api.py catches every exception). The traceback's last line names the exception
// ("KeyError: 'model'", "RuntimeError: Too many opened inference sessions ..."); only that line, shortened, is kept:
// the rest is server internals, never shown to a client nor logged in full. Non-2xx answers come from a proxy in front.

import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { classOfStatus, type ErrorClassifier, eventFailure, upstreamError, withContextCode } from "../errors.js";
import { asObject, asString, tryParse } from "../json.js";

const { ErrorClass } = llm;
/** The longest exception summary kept. */
const MAX_SUMMARY_CHARS = 200;

/** The traceback's last non-empty line (the exception and its message), shortened. */
export function summaryOf(traceback: string): string {
  const last = traceback
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .at(-1);
  const line = last ?? "generation failed";
  return line.length > MAX_SUMMARY_CHARS ? `${line.slice(0, MAX_SUMMARY_CHARS)}...` : line;
}

/** The class and the HTTP status the client sees for an exception summary. */
function classOf(summary: string): [llm.ErrorClass, number] {
  if (/too many (opened inference sessions|requests)/i.test(summary)) return [ErrorClass.RATE_LIMITED, 429];
  if (/max(imum)?[_ ]length|exceeds? .*length|too long|sequence length/i.test(summary)) {
    return [ErrorClass.CONTEXT_WINDOW_EXCEEDED, 400];
  }
  // The server looks the model up in a dict: an unknown model is a KeyError.
  if (/^KeyError\b/.test(summary)) return [ErrorClass.NOT_FOUND, 404];
  if (/^(ValueError|TypeError)\b/.test(summary)) return [ErrorClass.INVALID_REQUEST, 400];
  // Swarm failures: no servers for some blocks, peers that went away, timeouts.
  return [ErrorClass.UNAVAILABLE, 503];
}

/** The classified error of an `ok: false` answer. */
export function petalsFailure(
  traceback: string,
  dep: { readonly provider: string; readonly id: string },
): GatewayError {
  const summary = summaryOf(traceback);
  const [cls, status] = classOf(summary);
  const info = cls === ErrorClass.NOT_FOUND ? `petals does not serve this model (${summary})` : `petals: ${summary}`;
  return upstreamError(eventFailure(summary, dep, status), withContextCode({ message: info }, cls), cls);
}

/** Classifies a non-2xx answer (a proxy or load balancer in front of the server, or an `ok: false` body). */
export const classifyPetalsError: ErrorClassifier = (failure) => {
  const traceback = asString(asObject(tryParse(failure.body))?.traceback);
  if (traceback !== undefined)
    return petalsFailure(traceback, { provider: failure.provider, id: failure.deploymentId });
  return upstreamError(failure, {}, classOfStatus(failure.status));
};
