// Worker discovery in Kubernetes: list and watch the workers' EndpointSlices (discovery.k8s.io/v1, label
// `kubernetes.io/service-name=<service>`) and publish their ready endpoints. A watch event is applied as it arrives,
// so a pod that turns ready, unready or goes away changes the pool within a second. A watch that ends is resumed from
// the last resourceVersion; one whose resourceVersion expired (410 Gone) starts again with a fresh list. The
// protocol: https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes

import {
  DiscoveryV1Api,
  type KubeConfig,
  Observable,
  type ObservableMiddleware,
  type V1EndpointSlice,
  Watch,
} from "@kubernetes/client-node";
import type { Logger } from "@switchyard/runtime";
import { joinHostPort } from "./dns-workers.js";

/** Whose EndpointSlices to watch, and which of their ports the workers serve Connect on. */
export interface EndpointSliceTarget {
  namespace: string;
  service: string;
  /** A port name of the slices, or a port number used as is. */
  port: string | number;
}

/** Options of `watchEndpointSlices`. */
export interface EndpointSliceWatchOptions extends EndpointSliceTarget {
  kubeConfig: KubeConfig;
  /** Receives the full, sorted set of `host:port` workers whenever it changes. */
  onAddresses(addresses: string[]): void;
  log: Logger;
  /** First and longest wait before retrying after a failure (default 250 ms and 10 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Asks the API server to end each watch after this long (default 300 s); it is then resumed. */
  watchTimeoutSeconds?: number;
  /** Longest wait for a list (default 10 s). */
  listTimeoutMs?: number;
}

/** A watch that lasted less than this without events and then ended counts as a failure (no busy loop). */
const HEALTHY_WATCH_MS = 1_000;

/** The `host:port` of every ready endpoint of `slices` on `port`; sorted, without duplicates. */
export function readyAddresses(slices: Iterable<V1EndpointSlice>, port: string | number): string[] {
  const found = new Set<string>();
  for (const slice of slices) {
    const number = typeof port === "number" ? port : slice.ports?.find((p) => p.name === port)?.port;
    if (number === undefined) continue;
    for (const endpoint of slice.endpoints ?? []) {
      // Unset means ready (the API's own rule); a terminating pod is unready.
      if (endpoint.conditions?.ready === false) continue;
      for (const address of endpoint.addresses ?? []) found.add(joinHostPort(address, number));
    }
  }
  return [...found].sort();
}

/** The watch protocol's event: an object, or a Status for ERROR. */
interface WatchObject {
  metadata?: { name?: string; resourceVersion?: string };
  code?: number;
}

/** How one watch ended. */
interface WatchEnd {
  err: unknown;
  events: number;
  ms: number;
}

function statusOf(err: unknown): number | undefined {
  const e = err as { statusCode?: unknown; code?: unknown } | null;
  if (typeof e?.statusCode === "number") return e.statusCode;
  return typeof e?.code === "number" ? e.code : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Lists and watches the EndpointSlices of `service`, publishing its ready workers. Failures (API server unreachable,
 * a dropped watch, a refused list) are logged and retried with backoff, forever, until `stop`.
 */
export function watchEndpointSlices(options: EndpointSliceWatchOptions): { stop(): void } {
  const { namespace, service, log } = options;
  const api = options.kubeConfig.makeApiClient(DiscoveryV1Api);
  const watch = new Watch(options.kubeConfig);
  const path = `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices`;
  const labelSelector = `kubernetes.io/service-name=${service}`;
  const timeoutSeconds = options.watchTimeoutSeconds ?? 300;
  const retryMinMs = options.retryMinMs ?? 250;
  const retryMaxMs = options.retryMaxMs ?? 10_000;
  const slices = new Map<string, V1EndpointSlice>();
  let resourceVersion = "";
  let last: string | undefined;
  let stopped = false;
  let abortCurrent: (() => void) | undefined;
  let wake: (() => void) | undefined;

  const publish = () => {
    const addresses = readyAddresses(slices.values(), options.port);
    const key = addresses.join(",");
    if (key === last) return;
    last = key;
    options.onAddresses(addresses);
  };

  const list = async () => {
    const controller = new AbortController();
    abortCurrent = () => controller.abort();
    const timer = setTimeout(() => controller.abort(), options.listTimeoutMs ?? 10_000);
    try {
      // The generated client takes no signal of its own: a middleware sets it on the request.
      const signal: ObservableMiddleware = {
        pre: (ctx) => {
          ctx.setSignal(controller.signal);
          return new Observable(Promise.resolve(ctx));
        },
        post: (ctx) => new Observable(Promise.resolve(ctx)),
      };
      const res = await api.listNamespacedEndpointSlice(
        { namespace, labelSelector },
        { middleware: [signal], middlewareMergeStrategy: "append" },
      );
      slices.clear();
      for (const slice of res.items) slices.set(slice.metadata?.name ?? "", slice);
      resourceVersion = res.metadata?.resourceVersion ?? "";
      publish();
    } finally {
      clearTimeout(timer);
      abortCurrent = undefined;
    }
  };

  const apply = (type: string, obj: WatchObject) => {
    if (type === "ERROR") {
      // 410: the resourceVersion is too old to resume from; the server ends the watch and we list again.
      if (obj.code === 410) resourceVersion = "";
      else log.warn({ status: obj }, "EndpointSlice watch error event");
      return;
    }
    if (obj.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
    const name = obj.metadata?.name ?? "";
    if (type === "ADDED" || type === "MODIFIED") slices.set(name, obj as V1EndpointSlice);
    else if (type === "DELETED") slices.delete(name);
    else return; // BOOKMARK: only the resourceVersion moves on
    publish();
  };

  /** Runs one watch from `resourceVersion` until it ends; never rejects. */
  const watchOnce = () =>
    new Promise<WatchEnd>((resolve) => {
      const started = Date.now();
      let events = 0;
      let ended = false;
      let controller: AbortController | undefined;
      const end = (err: unknown) => {
        if (ended) return;
        ended = true;
        clearTimeout(watchdog);
        abortCurrent = undefined;
        controller?.abort();
        resolve({ err, events, ms: Date.now() - started });
      };
      // The server ends the watch after timeoutSeconds; one that stays silent longer sits on a dead connection.
      const watchdog = setTimeout(() => end(new Error("watch outlived its timeout")), (timeoutSeconds + 30) * 1000);
      abortCurrent = () => end(null);
      const query = { labelSelector, resourceVersion, allowWatchBookmarks: true, timeoutSeconds };
      const onEvent = (type: string, obj: WatchObject) => {
        if (ended) return;
        events++;
        apply(type, obj);
      };
      watch.watch(path, query, onEvent, end).then((c) => {
        controller = c;
        if (ended) c.abort();
      }, end);
    });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = async () => {
    let failures = 0;
    while (!stopped) {
      let failed: unknown;
      if (!resourceVersion) {
        try {
          await list();
        } catch (err) {
          failed = err;
        }
      }
      if (!failed && !stopped) {
        const end = await watchOnce();
        if (statusOf(end.err) === 410) resourceVersion = "";
        else if (end.err) failed = end.err;
        else if (end.events === 0 && end.ms < HEALTHY_WATCH_MS && resourceVersion) {
          failed = new Error("the watch ended at once");
        }
        if (!failed && (end.events > 0 || end.ms >= HEALTHY_WATCH_MS)) failures = 0;
      }
      if (stopped) break;
      if (!failed) continue;
      const delay = Math.min(retryMaxMs, retryMinMs * 2 ** failures);
      failures++;
      log.warn(
        { namespace, workerService: service, err: messageOf(failed), status: statusOf(failed), retryInMs: delay },
        "EndpointSlice list/watch failed",
      );
      await sleep(delay * (0.5 + Math.random() / 2));
    }
  };

  void run();
  return {
    stop() {
      stopped = true;
      abortCurrent?.();
      wake?.();
    },
  };
}
