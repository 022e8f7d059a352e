// Upstream HTTP for every provider: one POST through the worker's undici pool, bounded bodies, and one
// mapping of network failures, deadlines and aborts onto error classes.

import { llm } from "@switchyard/proto";
import { GatewayError, linkSignal } from "@switchyard/runtime";
import { type Dispatcher, request } from "undici";
import { requestWhole } from "./buffered.js";
import { abortError, type DeploymentRef, type ErrorClassifier, malformedUpstream } from "./errors.js";
import type { AttemptContext } from "./types.js";
import { endUpstreamSpan, startUpstreamSpan } from "./upstream-span.js";

/** Largest non-streamed response body accepted from an upstream. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** Largest part of an error body read; the rest is discarded (error bodies are small). */
export const MAX_ERROR_BYTES = 64 * 1024;

/** One JSON POST to a provider. */
export interface UpstreamPost {
  readonly url: string;
  /** Provider headers, credential included; never logged. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly classify: ErrorClassifier;
}

/** A 2xx streamed answer: the raw body and the mapping for failures while reading it. */
export interface UpstreamStream {
  readonly body: AsyncIterable<Uint8Array>;
  /** Classifies an error thrown while reading `body` (reset, abort, idle timeout). */
  readonly fail: (err: unknown) => GatewayError;
}

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * POSTs JSON and returns the parsed 2xx body. The whole call is bounded by the attempt's timeout (when set) on top
 * of the caller's signal; non-2xx answers go through `post.classify`.
 */
export async function postJson(ctx: AttemptContext, post: UpstreamPost): Promise<unknown> {
  const ms = ctx.timeouts?.attemptMs ?? ctx.deployment.timeoutMs;
  const linked = ms ? linkSignal(ctx.signal, ms) : undefined;
  const signal = linked ? linked.signal : ctx.signal;
  const span = startUpstreamSpan(ctx, post.url);
  let status: number | undefined;
  try {
    const request = { url: post.url, ...jsonBody(post), signal };
    const limits = { success: MAX_RESPONSE_BYTES, error: MAX_ERROR_BYTES };
    const res = await requestWhole(ctx.dispatcher, request, limits).catch((err: unknown) =>
      Promise.reject(networkError(ctx, signal, err)),
    );
    status = res.status;
    logResponse(ctx, post.url, status);
    if (status < 200 || status >= 300) throw classifyNon2xx(ctx, post, status, res.headers, res.body.toString("utf8"));
    if (res.truncated) throw malformedUpstream(ctx.deployment, `response larger than ${MAX_RESPONSE_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(res.body.toString("utf8"));
    } catch (err) {
      throw malformedUpstream(ctx.deployment, "response is not valid JSON", err);
    }
    endUpstreamSpan(ctx, span, status);
    return json;
  } catch (err) {
    endUpstreamSpan(ctx, span, status, err);
    throw err;
  } finally {
    linked?.dispose();
  }
}

/**
 * POSTs JSON for a streamed answer and returns the 2xx body unread. The first-token timeout bounds the wait for the
 * response headers, and the longer of it and the idle timeout every gap in the body: a socket-level safety net, as
 * the worker enforces both on parsed chunks (pacing.ts). Neither is a total: streams may run long.
 */
export async function postStream(ctx: AttemptContext, post: UpstreamPost): Promise<UpstreamStream> {
  const timeouts = streamTimeouts(ctx);
  const fail = (err: unknown) => networkError(ctx, ctx.signal, err);
  const span = startUpstreamSpan(ctx, post.url);
  let status: number | undefined;
  try {
    const res = await send(ctx, post, { signal: ctx.signal, ...timeouts }).catch((err: unknown) =>
      Promise.reject(fail(err)),
    );
    status = res.statusCode;
    await rejectNon2xx(ctx, post, res, fail);
    // Held open by traceAdapter until the stream ends; ended at the headers otherwise.
    endUpstreamSpan(ctx, span, status);
    return { body: res.body, fail };
  } catch (err) {
    endUpstreamSpan(ctx, span, status, err);
    throw err;
  }
}

/** The socket timeouts of a streamed call (see postStream): unset where the attempt and the deployment set none. */
export function streamTimeouts(ctx: AttemptContext): { headersTimeout?: number; bodyTimeout?: number } {
  const dep = ctx.deployment;
  const firstMs = ctx.timeouts?.firstTokenMs ?? dep.timeoutMs;
  const idleMs = ctx.timeouts?.idleMs ?? dep.streamTimeoutMs ?? dep.timeoutMs;
  const bodyMs = Math.max(firstMs ?? 0, idleMs ?? 0);
  return {
    ...(firstMs || idleMs ? { headersTimeout: firstMs ?? idleMs } : {}),
    ...(bodyMs ? { bodyTimeout: bodyMs } : {}),
  };
}

/**
 * Reads a 2xx body whole, up to MAX_RESPONSE_BYTES: past it the body is destroyed and the answer is malformed
 * (UNAVAILABLE); an error while reading goes through `fail`.
 */
export async function readWhole(
  body: AsyncIterable<Uint8Array>,
  dep: DeploymentRef,
  fail: (err: unknown) => GatewayError,
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        (body as { destroy?: () => void }).destroy?.();
        throw malformedUpstream(dep, `response larger than ${MAX_RESPONSE_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw err instanceof GatewayError ? err : fail(err);
  }
  return Buffer.concat(chunks, size);
}

/** The provider's headers with the JSON content type, and the body serialized. */
function jsonBody(post: UpstreamPost): { headers: Record<string, string>; body: string } {
  return { headers: { ...post.headers, "content-type": "application/json" }, body: JSON.stringify(post.body) };
}

interface SendOptions {
  signal: AbortSignal;
  headersTimeout?: number;
  bodyTimeout?: number;
}

async function send(ctx: AttemptContext, post: UpstreamPost, opts: SendOptions): Promise<Dispatcher.ResponseData> {
  ctx.signal.throwIfAborted();
  const res = await request(post.url, { method: "POST", ...jsonBody(post), dispatcher: ctx.dispatcher, ...opts });
  logResponse(ctx, post.url, res.statusCode);
  return res;
}

function logResponse(ctx: AttemptContext, url: string, status: number): void {
  // Without the query: some providers take the key there.
  if (ctx.log.isLevelEnabled("debug"))
    ctx.log.debug({ requestId: ctx.requestId, url: url.split("?", 1)[0], status }, "upstream responded");
}

/** Throws the classified error of a non-2xx answer (its body bounded and redacted); shared with http-media.ts. */
export async function rejectNon2xx(
  ctx: AttemptContext,
  post: UpstreamPost,
  res: Dispatcher.ResponseData,
  fail: (err: unknown) => GatewayError,
): Promise<void> {
  if (res.statusCode >= 200 && res.statusCode < 300) return;
  const raw = await readTruncated(res.body, MAX_ERROR_BYTES).catch((err: unknown) => Promise.reject(fail(err)));
  throw classifyNon2xx(ctx, post, res.statusCode, res.headers, raw);
}

/** The classified error of a non-2xx answer, its (bounded) body redacted. */
function classifyNon2xx(
  ctx: AttemptContext,
  post: Pick<UpstreamPost, "classify">,
  status: number,
  headers: Dispatcher.ResponseData["headers"],
  raw: string,
): GatewayError {
  return post.classify({
    status,
    headers,
    body: redactAll(raw, ctx),
    provider: ctx.deployment.provider,
    deploymentId: ctx.deployment.id,
  });
}

/** Reads a body as UTF-8 up to `max` bytes; past the limit it destroys the body and returns the text cut there. */
async function readTruncated(body: Dispatcher.ResponseData["body"], max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = max - size;
    if (chunk.length > room) {
      body.destroy();
      chunks.push(chunk.subarray(0, room));
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Removes every credential of the attempt from upstream text before it can reach a message or a log. */
export function redactAll(text: string, ctx: Pick<AttemptContext, "apiKey" | "credentials">): string {
  let out = redact(text, ctx.apiKey);
  for (const value of Object.values(ctx.credentials ?? {})) out = redact(out, value);
  return out;
}

/** Removes the credential from upstream text before it can reach a message or a log. */
export function redact(text: string, apiKey: string | undefined): string {
  return apiKey && apiKey.length >= 4 ? text.split(apiKey).join("[redacted]") : text;
}

/**
 * Classifies a failure to talk to the upstream: the caller's abort or a deadline first (the socket
 * error they cause is a symptom), then undici's timeouts, then anything else as UNAVAILABLE.
 */
export function networkError(ctx: AttemptContext, signal: AbortSignal, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (ctx.signal.aborted) return abortError(ctx.deployment, ctx.signal.reason);
  if (signal.aborted) return abortError(ctx.deployment, signal.reason);
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  const timedOut = typeof code === "string" && TIMEOUT_CODES.has(code);
  const what = timedOut ? "the upstream call timed out" : "could not reach the upstream";
  return new GatewayError(
    {
      class: timedOut ? llm.ErrorClass.TIMEOUT : llm.ErrorClass.UNAVAILABLE,
      message: `${ctx.deployment.provider}: ${what}${typeof code === "string" ? ` (${code})` : ""}`,
      provider: ctx.deployment.provider,
      deploymentId: ctx.deployment.id,
    },
    { cause: err },
  );
}
