// The prediction I/O after the create POST (which goes through http.ts): polling `urls.get` with a bounded backoff,
// opening `urls.stream`, and the best-effort cancel of a prediction nobody waits for any more. Same pool, redaction,
// deadlines and error classification as http.ts.

import { setTimeout as sleep } from "node:timers/promises";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { type Dispatcher, request } from "undici";
import { malformedUpstream } from "../errors.js";
import { networkError, readWhole, rejectNon2xx, streamTimeouts, type UpstreamStream } from "../http.js";
import type { AttemptContext } from "../types.js";
import { endUpstreamSpan, startUpstreamSpan } from "../upstream-span.js";
import { predictionUrl } from "./api.js";
import { type Prediction, parsePrediction, TERMINAL } from "./chat-response.js";
import { classifyReplicateError } from "./errors.js";

/** How a running prediction is polled: the first wait, doubled after each poll up to `maxMs`. */
export interface PollOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** The number of polls failing in a row (429, 5xx, a reset) that ends the attempt. */
const MAX_POLL_FAILURES = 3;
/** How long the cancel POST and the read of a finished stream's prediction may take. */
const SIDE_CALL_MS = 5_000;

type Headers = Readonly<Record<string, string>>;

async function get(
  ctx: AttemptContext,
  url: string,
  headers: Headers,
  signal: AbortSignal,
  extra: Partial<Dispatcher.RequestOptions> = {},
): Promise<{ res: Dispatcher.ResponseData; fail: (err: unknown) => GatewayError }> {
  const fail = (err: unknown) => networkError(ctx, signal, err);
  const span = startUpstreamSpan(ctx, url);
  span?.setAttribute("http.request.method", "GET");
  let status: number | undefined;
  try {
    ctx.signal.throwIfAborted();
    const res = await request(url, { method: "GET", headers, dispatcher: ctx.dispatcher, signal, ...extra }).catch(
      (err: unknown) => Promise.reject(fail(err)),
    );
    status = res.statusCode;
    ctx.log.debug({ requestId: ctx.requestId, url: url.split("?", 1)[0], status }, "upstream responded");
    await rejectNon2xx(ctx, { url, headers, body: undefined, classify: classifyReplicateError }, res, fail);
    endUpstreamSpan(ctx, span, status);
    return { res, fail };
  } catch (err) {
    endUpstreamSpan(ctx, span, status, err);
    throw err;
  }
}

/** GETs a prediction (bounded by MAX_RESPONSE_BYTES). */
export async function getPrediction(
  ctx: AttemptContext,
  url: string,
  headers: Headers,
  signal: AbortSignal,
): Promise<Prediction> {
  const { res, fail } = await get(ctx, url, { ...headers, accept: "application/json" }, signal);
  const bytes = await readWhole(res.body, ctx.deployment, fail);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw malformedUpstream(ctx.deployment, "prediction is not valid JSON", err);
  }
  return parsePrediction(json, ctx.deployment);
}

/**
 * Opens `urls.stream`. As for a POSTed stream (http.ts postStream), the first-token timeout bounds the wait for the
 * headers, and the longer of it and the idle timeout every gap in the body.
 */
export async function openStream(ctx: AttemptContext, url: string, headers: Headers): Promise<UpstreamStream> {
  const timeouts = streamTimeouts(ctx);
  const stream = { ...headers, accept: "text/event-stream", "cache-control": "no-store" };
  const { res, fail } = await get(ctx, url, stream, ctx.signal, timeouts);
  return { body: res.body, fail };
}

/**
 * Asks Replicate to stop a prediction (POST `urls.cancel`) without waiting for the answer: run when the caller went
 * away, the deadline passed or the stream was left early, so an abandoned prediction stops running up compute. Never
 * rejects; a failure is logged without the URL's query or the credential.
 */
export async function cancelPrediction(ctx: AttemptContext, p: Prediction, headers: Headers): Promise<void> {
  const url = predictionUrl(ctx.deployment, p.id, p.urls.cancel, "/cancel");
  try {
    const res = await request(url, {
      method: "POST",
      headers,
      dispatcher: ctx.dispatcher,
      signal: AbortSignal.timeout(SIDE_CALL_MS),
    });
    await res.body.dump();
    ctx.log.debug(
      { requestId: ctx.requestId, prediction: p.id, status: res.statusCode },
      "replicate prediction canceled",
    );
  } catch (err) {
    const code = (err as { code?: unknown; name?: unknown }).code ?? (err as { name?: unknown }).name;
    ctx.log.warn({ requestId: ctx.requestId, prediction: p.id, code: String(code) }, "could not cancel a prediction");
  }
}

function transient(err: unknown): boolean {
  const cls = err instanceof GatewayError ? err.errorClass : undefined;
  return cls === llm.ErrorClass.RATE_LIMITED || cls === llm.ErrorClass.UNAVAILABLE;
}

/**
 * Polls a prediction until it succeeds, fails or is canceled, within the attempt's deadline (an absolute time in ms).
 * A poll failing with 429/5xx is retried (a 429's Retry-After stretches the next wait) until MAX_POLL_FAILURES fail in a
 * row. When it stops early (the caller left, the deadline passed, a poll failed) the prediction is canceled; an abort
 * is CANCELLED or TIMEOUT as usual.
 */
export async function settle(
  ctx: AttemptContext,
  first: Prediction,
  headers: Headers,
  deadline: number,
  poll: PollOptions,
): Promise<Prediction> {
  if (TERMINAL.has(first.status)) return first;
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(Math.max(0, deadline - Date.now()))]);
  const url = predictionUrl(ctx.deployment, first.id, first.urls.get);
  let p = first;
  let delay = poll.initialMs;
  let failures = 0;
  try {
    while (!TERMINAL.has(p.status)) {
      await sleep(delay, undefined, { signal });
      try {
        p = await getPrediction(ctx, url, headers, signal);
        failures = 0;
      } catch (err) {
        if (signal.aborted || !transient(err) || ++failures >= MAX_POLL_FAILURES) throw err;
        delay = Math.max(delay, ((err as GatewayError).detail.retryAfterSeconds ?? 0) * 1000);
      }
      delay = Math.min(delay * 2, poll.maxMs);
    }
    return p;
  } catch (err) {
    void cancelPrediction(ctx, p, headers);
    throw signal.aborted ? networkError(ctx, signal, err) : err;
  }
}

/**
 * The prediction once its stream said `done`, for its metrics: best effort (undefined on any failure), read again a
 * few times while Replicate has not marked it finished yet.
 */
export async function finishedPrediction(
  ctx: AttemptContext,
  p: Prediction,
  headers: Headers,
): Promise<Prediction | undefined> {
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(SIDE_CALL_MS)]);
  const url = predictionUrl(ctx.deployment, p.id, p.urls.get);
  let last: Prediction | undefined;
  try {
    for (let i = 0; i < 3; i++) {
      if (i > 0) await sleep(200 * i, undefined, { signal });
      last = await getPrediction(ctx, url, headers, signal);
      if (TERMINAL.has(last.status)) return last;
    }
  } catch (err) {
    ctx.log.debug(
      { requestId: ctx.requestId, prediction: p.id, err: String(err) },
      "no metrics for a streamed prediction",
    );
  }
  return last;
}
