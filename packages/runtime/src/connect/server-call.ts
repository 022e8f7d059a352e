import type { IncomingMessage, ServerResponse } from "node:http";
import { llm } from "@switchyard/proto";
import { GatewayError } from "../errors.js";
import type { Span } from "../tracing.js";
import { type ConnectCode, httpStatusOfCode } from "./codes.js";
import type { HandlerContext } from "./service.js";

/** The server side of one accepted call: its context, body and end-of-call bookkeeping. */
export interface CallState {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly ctx: HandlerContext;
  /** The whole request body, bounded; rejects with a GatewayError. */
  readonly body: Promise<Buffer>;
  /** Settles like `value`, or rejects with the abort reason as soon as the call is cancelled or times out. */
  race<T>(value: T | Promise<T>): Promise<T>;
  /** Whether the response can no longer be written (sent, or the caller is gone). */
  finished(): boolean;
  /**
   * The error a failed call answers with: once the call was aborted (deadline, disconnect), the abort's reason, unless
   * the handler explained the same failure itself (its TIMEOUT, which may say what the attempt was charged).
   */
  failure(err: unknown): GatewayError;
  /** Releases the deadline timer. */
  done(): void;
  /** The call's server span while tracing is on and the caller sent a trace context. */
  span: Span | undefined;
}

const TIMEOUT = /^\d{1,10}$/;

/** Answers a call that never reached an implementation with a Connect error body. */
export function rejectCall(
  res: ServerResponse,
  code: ConnectCode,
  message: string,
  headers: Record<string, string> = {},
  status = httpStatusOfCode(code),
): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({ code, message });
  res.writeHead(status, { ...headers, "content-type": "application/json" }).end(body);
}

/** Reads the request body up to `max` bytes; a larger body fails with `resource_exhausted` and closes the connection. */
function readBody(req: IncomingMessage, res: ServerResponse, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => {
      res.shouldKeepAlive = false;
      req.removeAllListeners("data");
      req.resume();
      reject(
        new GatewayError({
          class: llm.ErrorClass.PAYLOAD_TOO_LARGE,
          message: `expected a body of at most ${max} bytes`,
        }),
      );
    };
    if (Number(req.headers["content-length"] ?? 0) > max) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) return tooLarge();
      chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    req.on("error", (err) =>
      reject(new GatewayError({ class: llm.ErrorClass.CANCELLED, message: "request body aborted" }, { cause: err })),
    );
  });
}

/**
 * How long after its deadline a call waits for the handler's own answer before it answers with deadline_exceeded.
 * Callers that want that answer (the router's unary attempts) wait longer than this past the deadline they send.
 */
export const DEADLINE_ANSWER_GRACE_MS = 100;

/**
 * Accepts a call: parses `connect-timeout-ms`, starts the deadline and watches for the caller going away.
 * Returns undefined when the call was rejected (malformed timeout).
 */
export function openCall(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): CallState | undefined {
  const timeout = req.headers["connect-timeout-ms"];
  if (timeout !== undefined && !TIMEOUT.test(timeout as string)) {
    req.resume();
    rejectCall(res, "invalid_argument", "expected connect-timeout-ms to be at most 10 digits");
    return undefined;
  }
  const controller = new AbortController();
  const abort = (error: GatewayError) => {
    if (!controller.signal.aborted) controller.abort(error);
  };
  const ms = timeout === undefined ? undefined : Number(timeout);
  const timer =
    ms === undefined
      ? undefined
      : setTimeout(() => abort(new GatewayError({ class: llm.ErrorClass.TIMEOUT, message: "deadline exceeded" })), ms);
  res.once("close", () => {
    if (!res.writableFinished)
      abort(new GatewayError({ class: llm.ErrorClass.CANCELLED, message: "caller went away" }));
  });
  const body = readBody(req, res, maxBodyBytes);
  body.catch(() => {});
  const ctx: HandlerContext = {
    requestHeaders: req.headers,
    signal: controller.signal,
    deadline: ms === undefined ? undefined : Date.now() + ms,
    responseHeaders: {},
    responseTrailers: {},
  };
  return {
    req,
    res,
    ctx,
    body,
    race: (value) => raceAbort(value, controller.signal),
    finished: () => res.writableEnded || res.destroyed,
    failure: (err) => {
      if (!controller.signal.aborted) return GatewayError.from(err);
      const reason = controller.signal.reason as GatewayError;
      return err instanceof GatewayError && err.errorClass === reason.errorClass ? err : reason;
    },
    done: () => clearTimeout(timer),
    span: undefined,
  };
}

function raceAbort<T>(value: T | Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (!(value instanceof Promise)) return Promise.resolve(value);
  return new Promise<T>((resolve, reject) => {
    let grace: NodeJS.Timeout | undefined;
    const onAbort = () => {
      const reason: unknown = signal.reason;
      // Past the deadline the handler, told through the signal, may still answer for itself (a worker's timed-out
      // attempt says what it was charged); a handler that does not is answered for shortly after.
      if (reason instanceof GatewayError && reason.errorClass === llm.ErrorClass.TIMEOUT) {
        grace = setTimeout(() => reject(reason), DEADLINE_ANSWER_GRACE_MS);
      } else {
        reject(reason);
      }
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const settle = () => {
      signal.removeEventListener("abort", onAbort);
      clearTimeout(grace);
    };
    value.then(
      (v) => {
        settle();
        resolve(v);
      },
      (err: unknown) => {
        settle();
        reject(err);
      },
    );
  });
}
