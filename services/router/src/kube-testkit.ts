// A fake Kubernetes API server for tests: serves EndpointSlices of one namespace with the list and watch protocol
// (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes). A LIST answers an
// EndpointSliceList with its resourceVersion; a WATCH (`?watch=true` or `1`) replays the events after the given
// resourceVersion and streams new ones as newline-delimited JSON. Tests can drop watches, compact the history (the
// next watch from an older resourceVersion gets a 410 Gone) and make lists fail.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig, type V1EndpointSlice } from "@kubernetes/client-node";

interface Event {
  rv: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: V1EndpointSlice;
}

/** One endpoint of `slice()`: an address and whether it is ready (unset leaves `ready` out). */
export type TestEndpoint = [address: string, ready?: boolean];

/** An EndpointSlice of `service` with one port and the given endpoints. */
export function slice(
  name: string,
  service: string,
  endpoints: TestEndpoint[],
  port: { name: string; port: number } = { name: "http", port: 8084 },
): V1EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name, namespace: "workers", labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4",
    endpoints: endpoints.map(([address, ready]) => ({
      addresses: [address],
      conditions: ready === undefined ? {} : { ready },
    })),
    ports: [{ ...port, protocol: "TCP" }],
  };
}

/** The fake API server. */
export interface FakeKubeApi {
  readonly url: string;
  /** A KubeConfig pointing at the fake (plain HTTP, no credentials, namespace `workers`). */
  kubeConfig(): KubeConfig;
  /** Every request's path and query, in order. */
  readonly requests: URL[];
  /** Creates or replaces a slice (ADDED or MODIFIED). */
  put(s: V1EndpointSlice): void;
  remove(name: string): void;
  /** Sends a BOOKMARK at a new resourceVersion to open watches. */
  bookmark(): void;
  /** Cuts every open watch connection without ending the response (a dropped connection). */
  dropWatches(): void;
  /** Forgets the history: watches from a resourceVersion before now get a 410 Gone, as `how` says. */
  compact(how: "event" | "status"): void;
  /** Makes the next `n` lists fail with HTTP 500. */
  failLists(n: number): void;
  readonly openWatches: number;
  /** The latest resourceVersion. */
  readonly resourceVersion: number;
  close(): Promise<void>;
}

/** Starts the fake on a free loopback port. */
export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  const slices = new Map<string, V1EndpointSlice>();
  const history: Event[] = [];
  const watches = new Set<ServerResponse>();
  const requests: URL[] = [];
  let rv = 100;
  let compactedAt = 0;
  let gone: "event" | "status" = "event";
  let listFailures = 0;

  const matches = (s: V1EndpointSlice, url: URL) => {
    const selector = url.searchParams.get("labelSelector");
    if (!selector) return true;
    const [key, value] = selector.split("=");
    return s.metadata?.labels?.[key ?? ""] === value;
  };
  const send = (res: ServerResponse, type: string, object: unknown) =>
    res.write(`${JSON.stringify({ type, object })}\n`);
  const record = (type: Event["type"], s: V1EndpointSlice) => {
    const object = { ...s, metadata: { ...s.metadata, resourceVersion: String(++rv) } };
    const event = { rv, type, object };
    history.push(event);
    for (const res of watches) if (matches(object, new URL(res.req.url ?? "", "http://x"))) send(res, type, object);
    return object;
  };

  const list = (url: URL, res: ServerResponse) => {
    if (listFailures > 0) {
      listFailures--;
      res.writeHead(500, { "content-type": "application/json" }).end('{"kind":"Status","code":500}');
      return;
    }
    const items = [...slices.values()].filter((s) => matches(s, url));
    const body = {
      kind: "EndpointSliceList",
      apiVersion: "discovery.k8s.io/v1",
      metadata: { resourceVersion: `${rv}` },
    };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...body, items }));
  };

  const watch = (url: URL, res: ServerResponse) => {
    const from = Number(url.searchParams.get("resourceVersion") || rv);
    if (from < compactedAt && gone === "status") {
      res.writeHead(410, { "content-type": "application/json" }).end('{"kind":"Status","code":410,"reason":"Gone"}');
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders(); // as the API server does: the watch is established before any event
    if (from < compactedAt) {
      send(res, "ERROR", { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" });
      res.end();
      return;
    }
    for (const e of history) if (e.rv > from && matches(e.object, url)) send(res, e.type, e.object);
    watches.add(res);
    res.on("close", () => watches.delete(res));
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake");
    requests.push(url);
    if (url.pathname !== "/apis/discovery.k8s.io/v1/namespaces/workers/endpointslices") {
      res.writeHead(404).end();
      return;
    }
    const isWatch = url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1";
    if (isWatch) watch(url, res);
    else list(url, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "fake", server: url, skipTLSVerify: true }],
        users: [{ name: "nobody" }],
        contexts: [{ name: "fake", cluster: "fake", user: "nobody", namespace: "workers" }],
        currentContext: "fake",
      });
      return kc;
    },
    put(s) {
      const name = s.metadata?.name ?? "";
      const type = slices.has(name) ? "MODIFIED" : "ADDED";
      slices.set(name, record(type, s));
    },
    remove(name) {
      const s = slices.get(name);
      if (!s) return;
      slices.delete(name);
      record("DELETED", s);
    },
    bookmark() {
      rv++;
      for (const res of watches)
        send(res, "BOOKMARK", { kind: "EndpointSlice", metadata: { resourceVersion: `${rv}` } });
    },
    dropWatches() {
      for (const res of watches) {
        watches.delete(res);
        res.socket?.destroy();
      }
    },
    compact(how) {
      gone = how;
      compactedAt = rv;
      history.length = 0;
    },
    failLists(n) {
      listFailures = n;
    },
    get openWatches() {
      return watches.size;
    },
    get resourceVersion() {
      return rv;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
