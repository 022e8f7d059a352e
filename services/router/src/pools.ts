// Named worker pools: a deployment with `litellm_params.worker_pool: <name>` is called only by the provider workers of
// that pool, found through `SWITCHYARD_WORKER_POOL_<NAME>_{ADDRS,DNS,ENDPOINTSLICES}`; every other deployment by the
// default pool (`SWITCHYARD_WORKER_*`). Pools isolate noisy providers and keep credentials on the workers that need
// them (only the Bedrock pool's pods carry AWS credentials, say).
import type { Deployment } from "@switchyard/config";
import {
  type DiscoveryDeps,
  readWorkerDiscovery,
  readWorkerSource,
  startDiscovery,
  type WorkerDiscovery,
} from "./discovery.js";
import { createFailover, type Failover } from "./failover.js";
import { createWorkerPool, type WorkerPool } from "./workers.js";

/** The pool of deployments without a `worker_pool`. */
export const DEFAULT_POOL = "default";

/** The environment prefix of a named pool's worker source: `bedrock-eu` → `SWITCHYARD_WORKER_POOL_BEDROCK_EU`. */
export function poolEnvPrefix(name: string): string {
  return `SWITCHYARD_WORKER_POOL_${name.toUpperCase().replaceAll("-", "_")}`;
}

/**
 * The worker source of the default pool and of every pool a deployment names. A named pool without a source is an
 * error at start-up, naming the variables to set and a deployment that needs it.
 */
export function readPoolDiscovery(
  env: NodeJS.ProcessEnv,
  deployments: readonly Deployment[],
): Map<string, WorkerDiscovery> {
  const out = new Map<string, WorkerDiscovery>([[DEFAULT_POOL, readWorkerDiscovery(env)]]);
  for (const deployment of deployments) {
    const name = deployment.workerPool;
    if (name === undefined || out.has(name)) continue;
    const prefix = poolEnvPrefix(name);
    const source = readWorkerSource(env, prefix);
    if (!source) {
      throw new Error(
        `${prefix}_ADDRS, ${prefix}_DNS or ${prefix}_ENDPOINTSLICES: expected one, to find the workers of ` +
          `worker_pool "${name}" (${deployment.source})`,
      );
    }
    out.set(name, source);
  }
  return out;
}

/** One pool: its workers, and the failover that runs calls on them. */
export interface PoolEntry {
  readonly name: string;
  readonly discovery: WorkerDiscovery;
  readonly workers: WorkerPool;
  readonly failover: Failover;
}

/** Every pool of the router. */
export interface Pools {
  /** The pool that calls `deployment`. */
  of(deployment: Deployment): PoolEntry;
  readonly entries: readonly PoolEntry[];
  /** Keeps every pool in step with its source until `stop`; `onChange` gets the pool's name and workers. */
  start(deps: Omit<DiscoveryDeps, "pool" | "onChange"> & { onChange?: (pool: string, workers: string[]) => void }): {
    stop(): void;
  };
  close(): Promise<void>;
}

/** Creates the pools; static sources start filled, the others fill once discovery answers. */
export function createPools(sources: ReadonlyMap<string, WorkerDiscovery>): Pools {
  const byName = new Map<string, PoolEntry>();
  for (const [name, discovery] of sources) {
    const workers = createWorkerPool(discovery.kind === "static" ? discovery.addresses : []);
    byName.set(name, { name, discovery, workers, failover: createFailover(workers) });
  }
  const fallback = byName.get(DEFAULT_POOL);
  if (!fallback) throw new Error("the default worker pool is missing");
  const entries = [...byName.values()];
  return {
    of: (deployment) => (deployment.workerPool && byName.get(deployment.workerPool)) || fallback,
    entries,
    start(deps) {
      const running = entries.map((entry) =>
        startDiscovery(entry.discovery, {
          ...deps,
          log: deps.log.child({ pool: entry.name }),
          pool: entry.workers,
          onChange: (workers) => deps.onChange?.(entry.name, workers),
        }),
      );
      return {
        stop: () => {
          for (const r of running) r.stop();
        },
      };
    },
    async close() {
      await Promise.all(entries.map((entry) => entry.workers.close()));
    },
  };
}
