// Where the router finds its provider workers: a static list, a DNS name, or the EndpointSlices of a Kubernetes
// Service. Exactly one source is chosen by the environment (see services/router/README.md).

import { KubeConfig } from "@kubernetes/client-node";
import { intEnv, type Logger } from "@switchyard/runtime";
import { watchDns } from "./dns-workers.js";
import { watchEndpointSlices } from "./endpointslices.js";
import type { WorkerPool } from "./workers.js";

/** The configured source of provider-worker addresses. */
export type WorkerDiscovery =
  | { kind: "static"; addresses: string[] }
  | { kind: "dns"; host: string; port: number; intervalMs: number }
  | {
      kind: "endpointslices";
      /** Unset: the namespace of the kubeconfig's context (the pod's own, in a cluster). */
      namespace?: string;
      service: string;
      port: string | number;
      /** Running in a pod (KUBERNETES_SERVICE_HOST is set): use the service account. */
      inCluster: boolean;
    };

const DEFAULT_ADDRESS = "127.0.0.1:8084";
const SLICES_SYNTAX =
  /^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/)?([a-z0-9]([-a-z0-9]*[a-z0-9])?):([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

/**
 * Reads a worker source from the environment: `<prefix>_ADDRS`, `<prefix>_DNS` (with `<prefix>_DNS_INTERVAL_MS`) or
 * `<prefix>_ENDPOINTSLICES`, at most one. With none set, `fallback` addresses are used, or, without them, the result
 * is undefined. Throws a precise message when a value is invalid or the choice ambiguous.
 */
export function readWorkerSource(
  env: NodeJS.ProcessEnv,
  prefix: string,
  fallback?: readonly string[],
): WorkerDiscovery | undefined {
  const names = { addrs: `${prefix}_ADDRS`, dns: `${prefix}_DNS`, slices: `${prefix}_ENDPOINTSLICES` };
  const set = [names.addrs, names.dns, names.slices].filter((name) => env[name]?.trim());
  if (set.length > 1) throw new Error(`${set.join(" and ")}: expected only one way to find the provider workers`);
  const dns = env[names.dns]?.trim();
  if (dns) {
    const match = /^([A-Za-z0-9_.-]+):(\d{1,5})$/.exec(dns);
    const port = Number(match?.[2]);
    if (!match?.[1] || port < 1 || port > 65535) {
      throw new Error(`${names.dns}: expected host:port (a headless Service's name), got "${dns}"`);
    }
    const intervalMs = intEnv(`${names.dns}_INTERVAL_MS`, 5_000, 100, 300_000, env);
    return { kind: "dns", host: match[1], port, intervalMs };
  }
  const slices = env[names.slices]?.trim();
  if (slices) {
    const match = SLICES_SYNTAX.exec(slices);
    const rawPort = match?.[5] ?? "";
    const port = /^\d+$/.test(rawPort) ? Number(rawPort) : rawPort;
    if (!match || port === 0 || (typeof port === "number" && port > 65535)) {
      throw new Error(`${names.slices}: expected [namespace/]service:port (a port name or number), got "${slices}"`);
    }
    return {
      kind: "endpointslices",
      ...(match[1] ? { namespace: match[1] } : {}),
      service: match[3] ?? "",
      port,
      inCluster: Boolean(env.KUBERNETES_SERVICE_HOST),
    };
  }
  const raw = env[names.addrs];
  if (raw === undefined && fallback === undefined) return undefined;
  const addresses = (raw?.split(",") ?? fallback ?? []).map((s) => s.trim()).filter(Boolean);
  if (addresses.length === 0) throw new Error(`${names.addrs}: expected at least one host:port`);
  return { kind: "static", addresses };
}

/** Reads the default pool's worker source (`SWITCHYARD_WORKER_*`; 127.0.0.1:8084 when none is set). */
export function readWorkerDiscovery(env: NodeJS.ProcessEnv): WorkerDiscovery {
  return readWorkerSource(env, "SWITCHYARD_WORKER", [DEFAULT_ADDRESS]) as WorkerDiscovery;
}

/** One line naming the source, for the start-up log. */
export function describeDiscovery(d: WorkerDiscovery): string {
  if (d.kind === "static") return d.addresses.join(",");
  if (d.kind === "dns") return `dns:${d.host}:${d.port} every ${d.intervalMs} ms`;
  return `endpointslices:${d.namespace ?? "(current namespace)"}/${d.service}:${d.port}`;
}

/** The Kubernetes client settings: the pod's service account in a cluster, else KUBECONFIG or ~/.kube/config. */
export function loadKubeConfig(inCluster: boolean): KubeConfig {
  const kc = new KubeConfig();
  if (inCluster) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

/** What a started discovery needs. */
export interface DiscoveryDeps {
  pool: WorkerPool;
  log: Logger;
  /** Called after every change of the pool's workers. */
  onChange?: (addresses: string[]) => void;
  /** The Kubernetes client settings (tests point them at a fake API server); `loadKubeConfig` by default. */
  kubeConfig?: KubeConfig;
}

/**
 * Keeps `pool` in step with the source until `stop`. Static addresses are already in the pool; the others start
 * empty and fill as the first answer arrives (failures are logged and retried, never fatal).
 */
export function startDiscovery(d: WorkerDiscovery, deps: DiscoveryDeps): { stop(): void } {
  const onAddresses = (addresses: string[]) => {
    const { added, removed } = deps.pool.update(addresses);
    const workers = deps.pool.addresses();
    if (added.length > 0 || removed.length > 0) deps.log.info({ added, removed, workers }, "provider workers changed");
    if (workers.length === 0) deps.log.warn("no provider worker is available");
    deps.onChange?.(workers);
  };
  switch (d.kind) {
    case "static":
      return { stop() {} };
    case "dns":
      return watchDns({ host: d.host, port: d.port, intervalMs: d.intervalMs, onAddresses, log: deps.log });
    case "endpointslices": {
      const kubeConfig = deps.kubeConfig ?? loadKubeConfig(d.inCluster);
      const namespace = d.namespace ?? kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
      return watchEndpointSlices({
        kubeConfig,
        namespace: namespace?.trim() || "default",
        service: d.service,
        port: d.port,
        onAddresses,
        log: deps.log,
      });
    }
  }
}
