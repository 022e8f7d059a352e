// One upstream request whose whole answer is read into memory, on undici's dispatch API: the bytes arrive in
// callbacks, with no response body stream or async iterator per call (about a tenth of a non-streamed attempt's CPU
// in the worker went to them). Failures reject with what undici or the signal gave, for the caller to classify.

import type { Dispatcher } from "undici";

type Controller = Dispatcher.DispatchController;
type Headers = Record<string, string | string[] | undefined>;

/** A whole answer: the status, the headers and the body, cut at the limit for its status. */
export interface WholeAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The body went past its limit: a 2xx answer is then unusable, an error body is kept truncated. */
  truncated: boolean;
}

/** One POST. */
export interface WholeRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array;
  readonly signal: AbortSignal;
}

/** Largest body kept for a 2xx answer and for any other status. */
export interface WholeLimits {
  readonly success: number;
  readonly error: number;
}

class WholeHandler implements Dispatcher.DispatchHandler {
  private controller: Controller | undefined;
  private status = 0;
  private headers: Headers = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private limit: number;
  private truncated = false;
  private settled = false;
  private readonly onAbort = () => this.fail(this.signal.reason, true);

  constructor(
    private readonly signal: AbortSignal,
    private readonly limits: WholeLimits,
    private readonly resolve: (answer: WholeAnswer) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.limit = limits.success;
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  onRequestStart(controller: Controller): void {
    // Aborted while it waited for a connection: it never goes out.
    if (this.settled) controller.abort(this.signal.reason);
    else this.controller = controller;
  }

  onResponseStart(_controller: Controller, status: number, headers: Headers): void {
    if (status < 200) return; // informational responses precede the real one
    this.status = status;
    this.headers = headers;
    this.limit = status < 300 ? this.limits.success : this.limits.error;
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.settled) return;
    const room = this.limit - this.size;
    if (chunk.length > room) {
      // Past the limit the rest is not read: keep what fits and answer now.
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.size += Math.max(room, 0);
      this.truncated = true;
      this.succeed();
      controller.abort(new Error("response body over its limit"));
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  onResponseEnd(): void {
    this.succeed();
  }

  onResponseError(_controller: Controller, err: Error): void {
    this.fail(err, false);
  }

  private succeed(): void {
    if (this.settled) return;
    this.finish();
    const { chunks } = this;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.size);
    this.resolve({ status: this.status, headers: this.headers, body, truncated: this.truncated });
  }

  private fail(err: unknown, abort: boolean): void {
    if (this.settled) return;
    this.finish();
    if (abort) this.controller?.abort(err as Error);
    this.reject(err);
  }

  private finish(): void {
    this.settled = true;
    this.signal.removeEventListener("abort", this.onAbort);
  }
}

/**
 * POSTs through `dispatcher` and reads the whole answer: a 2xx body up to `limits.success` bytes, any other up to
 * `limits.error` (both marked `truncated` when cut). Rejects with undici's error, or the signal's reason as soon as
 * it aborts (even while the request waits for a connection).
 */
export function requestWhole(dispatcher: Dispatcher, request: WholeRequest, limits: WholeLimits): Promise<WholeAnswer> {
  const { signal } = request;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const handler = new WholeHandler(signal, limits, resolve, reject);
    const url = new URL(request.url);
    try {
      dispatcher.dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: "POST",
          headers: request.headers,
          body: request.body,
        },
        handler,
      );
    } catch (err) {
      handler.onResponseError(undefined as unknown as Controller, err as Error);
    }
  });
}
