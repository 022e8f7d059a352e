// Worker discovery by DNS: every address a name resolves to (a Kubernetes headless Service has one A/AAAA record per
// ready pod) is a worker. The name is resolved again every interval, so replicas that come and go are followed with
// at most that delay plus the record's TTL.

import { lookup } from "node:dns/promises";
import type { Logger } from "@switchyard/runtime";

/** Resolves a name to all its addresses (IPv4 and IPv6). */
export type Resolve = (host: string) => Promise<string[]>;

/** Options of `watchDns`. */
export interface DnsWatchOptions {
  host: string;
  port: number;
  intervalMs: number;
  /** Receives the full, sorted set of `host:port` workers whenever it changes. */
  onAddresses(addresses: string[]): void;
  log: Logger;
  /** The resolver; the system's (`getaddrinfo`, so /etc/hosts and search domains apply) by default. */
  resolve?: Resolve;
}

/** Error codes that mean the name has no address at all (a headless Service with no ready pod), not a DNS failure. */
const NO_ADDRESS = new Set(["ENOTFOUND", "ENODATA"]);

const systemResolve: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** `host:port`, with the brackets an IPv6 address needs. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Resolves `host` now and every `intervalMs`, publishing the workers when they change. A name without addresses
 * empties the set; any other failure (a DNS server that does not answer) keeps the last known set and is logged.
 */
export function watchDns(options: DnsWatchOptions): { stop(): void } {
  const resolve = options.resolve ?? systemResolve;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let last: string | undefined;
  let failing = false;

  const publish = (addresses: string[]) => {
    const sorted = [...new Set(addresses)].sort();
    const key = sorted.join(",");
    if (key === last) return;
    last = key;
    options.onAddresses(sorted);
  };

  const tick = async () => {
    try {
      const hosts = await resolve(options.host);
      if (stopped) return;
      publish(hosts.map((h) => joinHostPort(h, options.port)));
      if (failing) options.log.info({ host: options.host }, "worker DNS name resolves again");
      failing = false;
    } catch (err) {
      if (stopped) return;
      const code = (err as NodeJS.ErrnoException).code ?? "";
      if (NO_ADDRESS.has(code)) publish([]);
      if (!failing) {
        const message = err instanceof Error ? err.message : String(err);
        options.log.warn({ host: options.host, code, err: message }, "worker DNS name did not resolve");
      }
      failing = true;
    }
    if (!stopped) {
      timer = setTimeout(tick, options.intervalMs);
      timer.unref();
    }
  };

  void tick();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
