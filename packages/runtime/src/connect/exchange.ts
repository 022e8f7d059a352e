// One HTTP exchange of a Connect call, on undici's dispatch API. Every internal request crosses two of these, so they
// skip what `pool.request` adds for general use: no response body stream and async iterator, no AbortController per
// call. The caller's signal and the deadline abort the exchange directly; an abort settles the call at once, even
// while it still waits in the pool's queue for a connection.

import { llm } from "@switchyard/proto";
import type { Dispatcher } from "undici";
import { GatewayError, PEER_UNAVAILABLE_MESSAGE } from "../errors.js";
import type { CallOptions, ConnectClient } from "./client.js";

type Controller = Dispatcher.DispatchController;
type RawHeaders = Record<string, string | string[] | undefined>;

/** Why the exchange was stopped from this side (0 while it was not). */
const CALLER = 1;
const DEADLINE = 2;
const CANCELLED = 3;

/** Response bytes a stream buffers ahead of its reader before it pauses the socket. */
const HIGH_WATER = 64 * 1024;

function internal(message: string): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.INTERNAL, message });
}

/** The lifecycle shared by unary and streamed exchanges: dispatch, abort, deadline, explaining failures. */
abstract class Exchange implements Dispatcher.DispatchHandler {
  status = 0;
  headers: RawHeaders = {};
  protected controller: Controller | undefined;
  protected stopped = 0;
  /** Set once the exchange has succeeded or failed; nothing after that reaches the caller. */
  protected settled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onCallerAbort = () => this.stop(CALLER);

  constructor(
    protected readonly client: ConnectClient,
    protected readonly options: CallOptions,
  ) {}

  /** Sends the request; failures (an aborted signal included) arrive through `fail`. */
  protected dispatch(path: string, headers: Record<string, string>, body: Uint8Array): void {
    const { signal, deadline } = this.options;
    if (signal?.aborted) {
      this.stop(CALLER);
      return;
    }
    signal?.addEventListener("abort", this.onCallerAbort, { once: true });
    if (deadline !== undefined) {
      const grace = this.options.deadlineGraceMs ?? 0;
      this.timer = setTimeout(() => this.stop(DEADLINE), Math.max(deadline - Date.now(), 0) + grace);
    }
    try {
      this.client.pool.dispatch({ method: "POST", path, headers, body }, this);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Aborts the exchange from this side; the call fails with the reason's error at once. */
  protected stop(reason: number): void {
    if (this.settled) return;
    this.stopped = reason;
    const error = this.explain(undefined);
    this.controller?.abort(error);
    this.fail(error);
  }

  /** The GatewayError a failure (or a stop) means for the caller. */
  protected explain(err: unknown): GatewayError {
    if (err instanceof GatewayError) return err;
    if (this.stopped === DEADLINE)
      return new GatewayError({ class: llm.ErrorClass.TIMEOUT, message: "deadline exceeded" }, { cause: err });
    if (this.stopped !== 0)
      return new GatewayError({ class: llm.ErrorClass.CANCELLED, message: "call cancelled" }, { cause: err });
    return new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: PEER_UNAVAILABLE_MESSAGE }, { cause: err });
  }

  /** Releases the deadline timer and the signal listener. */
  protected finish(): void {
    this.settled = true;
    clearTimeout(this.timer);
    this.options.signal?.removeEventListener("abort", this.onCallerAbort);
  }

  protected abstract fail(err: unknown): void;

  onRequestStart(controller: Controller): void {
    // A call stopped while it waited for a connection never goes out.
    if (this.settled) controller.abort(this.explain(undefined));
    else this.controller = controller;
  }

  onResponseStart(_controller: Controller, status: number, headers: RawHeaders): void {
    if (status < 200) return; // 1xx informational responses precede the real one
    this.status = status;
    this.headers = headers;
    this.started();
  }

  protected started(): void {}

  abstract onResponseData(controller: Controller, chunk: Buffer): void;
  abstract onResponseEnd(controller: Controller): void;

  onResponseError(_controller: Controller, err: Error): void {
    this.fail(err);
  }
}

/** The whole answer of a unary exchange. */
export interface Reply {
  status: number;
  headers: RawHeaders;
  body: Buffer;
}

class UnaryExchange extends Exchange {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private resolve: (reply: Reply) => void = () => {};
  private reject: (err: GatewayError) => void = () => {};

  run(path: string, headers: Record<string, string>, body: Uint8Array): Promise<Reply> {
    const reply = new Promise<Reply>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.dispatch(path, headers, body);
    return reply;
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.client.maxMessageBytes) {
      const error = internal("response message too large");
      controller.abort(error);
      this.fail(error);
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.finish();
    const { chunks } = this;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.size);
    this.resolve({ status: this.status, headers: this.headers, body });
  }

  protected fail(err: unknown): void {
    if (this.settled) return;
    this.finish();
    this.reject(this.explain(err));
  }
}

/** Runs one unary exchange: the status, headers and whole body (at most the client's message limit). */
export function exchangeUnary(
  client: ConnectClient,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
  options: CallOptions,
): Promise<Reply> {
  return new UnaryExchange(client, options).run(path, headers, body);
}

/**
 * A streamed exchange: `response()` settles when the status and headers arrive, `read()` yields body chunks in order
 * and undefined at the end. Chunks the reader has not taken yet are bounded: past HIGH_WATER bytes the socket pauses.
 */
export class StreamExchange extends Exchange {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private paused = false;
  private ended = false;
  private failure: GatewayError | undefined;
  private waiter: { resolve: (chunk: Buffer | undefined) => void; reject: (err: GatewayError) => void } | undefined;
  private onStart: { resolve: () => void; reject: (err: GatewayError) => void } | undefined;
  private responded = false;

  /** Sends the request. */
  open(path: string, headers: Record<string, string>, body: Uint8Array): void {
    this.dispatch(path, headers, body);
  }

  /** Settles once the status and headers have arrived; rejects with the exchange's failure before that. */
  response(): Promise<void> {
    if (this.responded) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.onStart = { resolve, reject };
    });
  }

  /** The next body chunk, or undefined after the last; rejects with the exchange's failure. */
  read(): Promise<Buffer | undefined> {
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      this.queued -= chunk.length;
      if (this.paused && this.queued < HIGH_WATER) {
        this.paused = false;
        this.controller?.resume();
      }
      return Promise.resolve(chunk);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Aborts the exchange (the reader stopped early); a pending read fails with `cancelled`. */
  cancel(): void {
    this.stop(CANCELLED);
  }

  protected override started(): void {
    this.responded = true;
    const start = this.onStart;
    this.onStart = undefined;
    start?.resolve();
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.settled) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve(chunk);
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued >= HIGH_WATER && !this.paused) {
      this.paused = true;
      controller.pause();
    }
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.finish();
    this.ended = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(undefined);
  }

  protected fail(err: unknown): void {
    if (this.settled) return;
    this.finish();
    const error = this.explain(err);
    this.failure = error;
    this.queue.length = 0;
    const { waiter, onStart } = this;
    this.waiter = undefined;
    this.onStart = undefined;
    waiter?.reject(error);
    onStart?.reject(error);
  }
}
