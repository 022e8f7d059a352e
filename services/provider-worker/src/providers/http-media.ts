// Upstream HTTP for audio and image operations: bodies that are not JSON (multipart forms, raw audio) and answers that
// are not JSON (audio bytes, subtitles). Same pool, deadline, error classification and credential redaction as
// http.ts; answers are bounded by MAX_RESPONSE_BYTES and never buffered past it.
import { linkSignal } from "@switchyard/runtime";
import { type FormData, request } from "undici";
import { malformedUpstream } from "./errors.js";
import { networkError, readWhole, rejectNon2xx, type UpstreamPost } from "./http.js";
import type { AttemptContext } from "./types.js";
import { endUpstreamSpan, startUpstreamSpan } from "./upstream-span.js";

/** A POST whose body is a multipart form, raw bytes with their content type, or JSON. */
export interface MediaPost extends Omit<UpstreamPost, "body"> {
  readonly body:
    | { readonly form: FormData }
    | { readonly bytes: Uint8Array; readonly contentType: string }
    | { readonly json: unknown };
}

/** A 2xx answer read whole: its bytes and content type. */
export interface MediaAnswer {
  readonly bytes: Buffer;
  readonly contentType: string;
}

function bodyOf(post: MediaPost): { body: FormData | Uint8Array | string; headers: Record<string, string> } {
  const b = post.body;
  // undici sets multipart/form-data with its boundary itself for a FormData body.
  if ("form" in b) return { body: b.form, headers: {} };
  if ("bytes" in b) return { body: b.bytes, headers: { "content-type": b.contentType } };
  return { body: JSON.stringify(b.json), headers: { "content-type": "application/json" } };
}

/** POSTs `post` and reads the whole 2xx answer (up to MAX_RESPONSE_BYTES); non-2xx answers go through classify. */
export async function postMedia(ctx: AttemptContext, post: MediaPost): Promise<MediaAnswer> {
  const ms = ctx.timeouts?.attemptMs ?? ctx.deployment.timeoutMs;
  const linked = ms ? linkSignal(ctx.signal, ms) : undefined;
  const signal = linked ? linked.signal : ctx.signal;
  const fail = (err: unknown) => networkError(ctx, signal, err);
  const span = startUpstreamSpan(ctx, post.url);
  let status: number | undefined;
  try {
    ctx.signal.throwIfAborted();
    const { body, headers } = bodyOf(post);
    const res = await request(post.url, {
      method: "POST",
      headers: { ...post.headers, ...headers },
      body,
      dispatcher: ctx.dispatcher,
      signal,
    }).catch((err: unknown) => Promise.reject(fail(err)));
    status = res.statusCode;
    ctx.log.debug({ requestId: ctx.requestId, url: post.url.split("?", 1)[0], status }, "upstream responded");
    await rejectNon2xx(ctx, { ...post, body: undefined }, res, fail);
    const bytes = await readWhole(res.body, ctx.deployment, fail);
    const type = res.headers["content-type"];
    endUpstreamSpan(ctx, span, status);
    return { bytes, contentType: (Array.isArray(type) ? type[0] : type) ?? "" };
  } catch (err) {
    endUpstreamSpan(ctx, span, status, err);
    throw err;
  } finally {
    linked?.dispose();
  }
}

/** POSTs `post` and parses its 2xx answer as JSON. */
export async function postMediaJson(ctx: AttemptContext, post: MediaPost): Promise<unknown> {
  const answer = await postMedia(ctx, post);
  try {
    return JSON.parse(answer.bytes.toString("utf8"));
  } catch (err) {
    throw malformedUpstream(ctx.deployment, "response is not valid JSON", err);
  }
}
