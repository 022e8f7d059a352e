// Follows one KV bucket: every key's current value first, then each change in revision order. The KV client's
// ordered consumer already recovers from missed messages and reconnects; if the watch still ends (say the server
// lost its consumers), it is opened again from the revision after the last one seen, which replays every later
// change and delete, so nothing is missed.

import { type KV, type KvWatchEntry, KvWatchInclude } from "@nats-io/kv";
import type { Logger } from "@switchyard/runtime";

/** A running watch. */
export interface BucketWatch {
  /** Resolves once every value present when the watch started has been delivered. */
  readonly loaded: Promise<void>;
  /** Ends the watch; no entry is delivered afterwards. */
  stop(): void;
}

const RESTART_DELAY_MS = 1_000;

/** Watches `kv` (the bucket named `bucket`), passing each entry to `onEntry` in order. */
export function watchBucket(kv: KV, bucket: string, onEntry: (entry: KvWatchEntry) => void, log: Logger): BucketWatch {
  let stopped = false;
  let lastRevision = 0;
  let stopCurrent: (() => void) | undefined;
  let markLoaded!: () => void;
  let isLoaded = false;
  const loaded = new Promise<void>((resolve) => {
    markLoaded = () => {
      isLoaded = true;
      resolve();
    };
  });

  const follow = async () => {
    // The stream's last sequence when the watch starts: the initial values are in once it (or a later one) arrives.
    let target = 0;
    if (!isLoaded) {
      const { state } = (await kv.status()).streamInfo;
      target = state.messages === 0 ? 0 : state.last_seq;
      if (target === 0) markLoaded();
    }
    const iterator = await kv.watch(
      lastRevision > 0 ? { resumeFromRevision: lastRevision + 1 } : { include: KvWatchInclude.LastValue },
    );
    stopCurrent = () => iterator.stop();
    if (stopped) iterator.stop();
    for await (const entry of iterator) {
      if (stopped) break;
      if (entry.revision <= lastRevision) continue;
      lastRevision = entry.revision;
      onEntry(entry);
      if (!isLoaded && (entry.revision >= target || entry.delta === 0)) markLoaded();
    }
  };

  void (async () => {
    while (!stopped) {
      try {
        await follow();
        if (!stopped) log.warn({ bucket }, "kv watch ended; reopening");
      } catch (err) {
        log.warn({ bucket, err: err instanceof Error ? err.message : String(err) }, "kv watch failed");
      }
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS));
    }
  })();

  return {
    loaded,
    stop() {
      stopped = true;
      stopCurrent?.();
    },
  };
}
