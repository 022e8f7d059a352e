/** Items waiting out a retry delay, handed back in batches when their time comes (one timer for all of them). */
export class Delays<T> {
  private waiting: { readonly item: T; readonly dueAt: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** `onDue` receives the items whose delay is over. */
  constructor(private readonly onDue: (items: T[]) => void) {}

  /** Holds `item` for `delayMs`. */
  add(item: T, delayMs: number): void {
    this.waiting.push({ item, dueAt: Date.now() + delayMs });
    this.arm();
  }

  /** Hands back every item now, due or not. */
  releaseAll(): void {
    this.release(true);
  }

  /** Visits the waiting items. */
  forEach(visit: (item: T) => void): void {
    for (const w of this.waiting) visit(w.item);
  }

  /** Cancels the timer for good; items stay where they are. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer || this.stopped || this.waiting.length === 0) return;
    let next = Number.POSITIVE_INFINITY;
    for (const w of this.waiting) next = Math.min(next, w.dueAt);
    // Unref'd: a process with nothing else to do should not stay up for a retry.
    this.timer = setTimeout(() => this.release(false), Math.max(0, next - Date.now())).unref();
  }

  private release(all: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    const due: T[] = [];
    const still: { readonly item: T; readonly dueAt: number }[] = [];
    for (const w of this.waiting) {
      if (all || w.dueAt <= now) due.push(w.item);
      else still.push(w);
    }
    this.waiting = still;
    this.arm();
    if (due.length > 0) this.onDue(due);
  }
}

/** Exponential backoff with jitter: about `minMs` × 2^(attempt − 1), capped at `maxMs`, randomised down to half. */
export function retryDelay(attempt: number, minMs: number, maxMs: number): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  return base * (0.5 + Math.random() / 2);
}
