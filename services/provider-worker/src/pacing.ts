// Time limits on a streamed attempt, enforced where the chunks are parsed: the wait for the first chunk, the silence
// between two chunks, and what is left of the request's total deadline. The worker enforces them (not the router) so
// that a stream cut by one still reports the usage and cost it ran up before the error reaches the client.
import { llm } from "@switchyard/proto";
import { GatewayError, type LinkedSignal, linkSignal, tracing } from "@switchyard/runtime";

/**
 * How long before the propagated deadline the worker ends a stream itself: time for the usage, the charge and the
 * error to cross the router and the ingress before their own deadlines pass.
 */
export const DEADLINE_MARGIN_MS = 250;

/** The limits of one streamed attempt; unset ones are not enforced. */
export interface Pace {
  readonly firstTokenMs?: number | undefined;
  readonly idleMs?: number | undefined;
  /** The request's deadline (ms since epoch), as the Connect deadline carried it. */
  readonly deadline?: number | undefined;
}

function timeout(message: string): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.TIMEOUT, message });
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * Watches one streamed attempt. Hand `signal` to the adapter and call `chunk()` for every chunk it yields; when a
 * limit passes the signal aborts (cutting the upstream call) and `reason` says which limit it was. One timer object
 * serves the whole stream: it is refreshed per chunk rather than replaced.
 */
export class Pacer {
  readonly signal: AbortSignal;
  private readonly linked: LinkedSignal;
  private idle: NodeJS.Timeout | undefined;
  private total: NodeJS.Timeout | undefined;
  private started = false;
  private ended: GatewayError | undefined;

  constructor(
    parent: AbortSignal,
    private readonly pace: Pace,
  ) {
    // The attempt's signal follows the call's until close() (AbortSignal.any costs far more).
    this.linked = linkSignal(parent);
    this.signal = this.linked.signal;
    // The upstream call's span finds the worker's call span through the attempt's signal.
    tracing.inheritSignal(this.signal, parent);
    if (pace.firstTokenMs) {
      const ms = pace.firstTokenMs;
      this.idle = setTimeout(
        () => this.stop(`the upstream sent no first chunk within ${seconds(ms)} (first_token_timeout)`),
        ms,
      );
    }
    if (pace.deadline !== undefined) {
      const ms = Math.max(0, pace.deadline - DEADLINE_MARGIN_MS - Date.now());
      this.total = setTimeout(() => this.stop("the request's deadline passed (total_timeout)"), ms);
    }
  }

  /** The limit that ended the attempt, when one did. */
  get reason(): GatewayError | undefined {
    return this.ended;
  }

  /** Records a chunk: the first one swaps the first-token limit for the idle limit, later ones restart it. */
  chunk(): void {
    if (this.started) {
      this.idle?.refresh();
      return;
    }
    this.started = true;
    clearTimeout(this.idle);
    const ms = this.pace.idleMs;
    this.idle = ms
      ? setTimeout(
          () => this.stop(`the upstream sent nothing for ${seconds(ms)} in the middle of the stream (stream_timeout)`),
          ms,
        )
      : undefined;
  }

  /** Releases the timers; call when the attempt ends, however it ends. */
  close(): void {
    clearTimeout(this.idle);
    clearTimeout(this.total);
    this.linked.dispose();
  }

  private stop(message: string): void {
    if (this.ended || this.signal.aborted) return;
    this.ended = timeout(message);
    this.close();
    this.linked.abort(this.ended);
  }
}
