// Derived abort signals for per-request paths. On Node 20, `AbortSignal.any([parent, AbortSignal.timeout(ms)])` cost
// about 25 µs per call here (it tracks its sources through weak references), against about 5 µs for one
// AbortController, one listener and one timer that are released when the work ends.

/** A signal that follows a parent and an optional time limit; `dispose` releases the timer and the listener. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Aborts the derived signal alone (a limit of its own ran out), with `reason`. */
  abort(reason: unknown): void;
  dispose(): void;
}

/**
 * Derives a signal that aborts with `parent`'s reason when it aborts, or after `ms` (when set and positive) with a
 * `TimeoutError` DOMException, as `AbortSignal.timeout` would. Call `dispose` once the work ends, however it ends.
 */
export function linkSignal(parent: AbortSignal, ms?: number): LinkedSignal {
  const controller = new AbortController();
  const abort = (reason: unknown) => controller.abort(reason);
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, abort, dispose: noop };
  }
  const follow = () => controller.abort(parent.reason);
  parent.addEventListener("abort", follow, { once: true });
  const timer = ms
    ? setTimeout(
        () => controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
        ms,
      )
    : undefined;
  return {
    signal: controller.signal,
    abort,
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener("abort", follow);
    },
  };
}

function noop(): void {}
