import { access, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PortInUseError } from "./errors.js";
import {
  type MeshPorts,
  type MeteringInfra,
  type ProcessPorts,
  planMesh,
  SERVICE_NAMES,
  type ServiceName,
  stopOrder,
} from "./plan.js";
import { freePorts, isPortFree } from "./ports.js";
import { createServiceProcess, type LogLine, type MeshProcess, type ServiceProcess } from "./process.js";

/** Every process binds loopback only: the mesh is for development and tests, never exposed. */
const HOST = "127.0.0.1";
const DEFAULT_READY_TIMEOUT_MS = 20_000;
const DEFAULT_STOP_TIMEOUT_MS = 15_000;
/** How long processes get to drain when a start fails and the started ones are torn down. */
const ABORT_STOP_TIMEOUT_MS = 5_000;
/** From `packages/launcher/dist/mesh.js` to the repository root. */
const DEFAULT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** How to start a mesh. */
export interface MeshOptions {
  /** Path of the YAML config, resolved against the current directory. */
  configPath: string;
  /** Port of the ingress REST API; 0 or undefined picks a free one. */
  restPort?: number;
  /** Port of the ingress gRPC API; 0 or undefined picks a free one. */
  grpcPort?: number;
  /** Provider-worker replicas; default 1. */
  workers?: number;
  /** Policy replicas; default 1. They share their state through NATS, so more than one needs `metering`. */
  policies?: number;
  /** Ingress replicas; default 1. Ingress i asks policy i modulo the policy count; `restPort`/`grpcPort` are the first's. */
  ingresses?: number;
  /**
   * Router replicas; default 1. Ingress i asks router i modulo the router count, so spreading requests over the
   * ingresses spreads them over the routers. Each router keeps its own routing state (docs/routing.md).
   */
  routers?: number;
  /** Extra environment for every process (cannot override the addresses the mesh assigns). */
  env?: Record<string, string>;
  /** Extra environment per service, applied last (may override anything, addresses included). */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Directory that `<name>[-i].log` files are appended to; by default output is only kept in memory. */
  logDir?: string;
  /** Called with every line a process writes, e.g. to echo it to a terminal. */
  onLog?: (line: LogLine) => void;
  /** How long each process gets to answer `/readyz` with 200; default 20000. */
  readyTimeoutMs?: number;
  /**
   * NATS and ClickHouse to meter into: the mesh then runs the metering service and the workers publish usage
   * events. Without it there is no metering service and no usage is published.
   */
  metering?: MeteringInfra;
  /** Repository root holding `services/<name>/dist/main.js`; default resolved from this package's location. */
  root?: string;
}

/**
 * A running mesh of policy, provider-worker(s), router and ingress processes. Like any child process, they keep the
 * caller's event loop alive until `stop()`, so tests call it in an `after` hook; if the caller exits or crashes
 * first, the children are killed.
 */
export interface Mesh {
  /** `http://127.0.0.1:<port>` of the (first) ingress's REST API. */
  readonly restUrl: string;
  /** `127.0.0.1:<port>` of the (first) ingress's gRPC API. */
  readonly grpcAddress: string;
  /** The REST API of every ingress replica, in index order. */
  readonly restUrls: readonly string[];
  /** The gRPC API of every ingress replica, in index order. */
  readonly grpcAddresses: readonly string[];
  /** Every process, in start order. */
  readonly processes: readonly MeshProcess[];
  /**
   * Stops ingress, then router, then workers, then policy, each stage after the previous one has exited; a process
   * still running `timeoutMs` after `signal` gets SIGKILL. Safe to call twice.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
  /** Sends `signal` (default SIGTERM) to one process and resolves with its exit code (null if a signal ended it). */
  kill(name: ServiceName, index?: number, signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts one process again on the same ports (stopping it first if it runs) and waits until it is ready. */
  restart(name: ServiceName, index?: number): Promise<void>;
}

/**
 * Starts policy, provider-worker(s), router and ingress as separate processes on free loopback ports, each after the
 * previous stage answers `/readyz` with 200. If any process exits or never gets ready, the started ones are stopped
 * and a `MeshStartError` names the process, its exit code and its last log lines.
 */
export async function startMesh(options: MeshOptions): Promise<Mesh> {
  const root = options.root ?? DEFAULT_ROOT;
  const workers = options.workers ?? 1;
  const policies = options.policies ?? 1;
  const ingresses = options.ingresses ?? 1;
  const routers = options.routers ?? 1;
  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  for (const [what, count] of [
    ["workers", workers],
    ["policies", policies],
    ["ingresses", ingresses],
    ["routers", routers],
  ] as const) {
    if (!Number.isInteger(count) || count < 1) throw new Error(`expected ${what} >= 1, got ${count}`);
  }
  if (policies > 1 && !options.metering) throw new Error("expected metering (NATS) for more than one policy replica");
  const configPath = resolve(options.configPath);
  await assertReadable(configPath, "config file");
  for (const name of SERVICE_NAMES) {
    if (name === "metering" && !options.metering) continue;
    await assertReadable(join(root, "services", name, "dist", "main.js"), `${name} entry point (run npm run build)`);
  }
  if (options.logDir) await mkdir(options.logDir, { recursive: true });

  const counts = { workers, policies, ingresses, routers, metering: !!options.metering };
  const ports = await allocatePorts(options.restPort ?? 0, options.grpcPort ?? 0, counts);
  const plans = planMesh({
    configPath,
    host: HOST,
    ports,
    baseEnv: process.env,
    env: options.env,
    serviceEnv: options.serviceEnv,
    metering: options.metering,
  });
  const output = { root, logDir: options.logDir, onLog: options.onLog };
  const processes = plans.map((plan) => createServiceProcess(plan, output));

  const started: ServiceProcess[] = [];
  try {
    for (const name of SERVICE_NAMES) {
      const stage = processes.filter((p) => p.name === name);
      for (const p of stage) {
        p.spawn();
        started.push(p);
      }
      await Promise.all(stage.map((p) => p.waitReady(readyTimeoutMs)));
    }
  } catch (err) {
    await stopAll(started, "SIGTERM", ABORT_STOP_TIMEOUT_MS);
    throw err;
  }
  return createMesh(processes, ports, readyTimeoutMs);
}

function createMesh(processes: readonly ServiceProcess[], ports: MeshPorts, readyTimeoutMs: number): Mesh {
  const find = (name: ServiceName, index = 0): ServiceProcess => {
    const found = processes.find((p) => p.name === name && p.index === index);
    if (found) return found;
    const count = processes.filter((p) => p.name === name).length;
    throw new Error(`expected a ${name} process with index ${index}, but the mesh runs ${count}`);
  };
  return {
    restUrl: `http://${HOST}:${ports.ingresses[0]?.http}`,
    grpcAddress: `${HOST}:${ports.ingresses[0]?.grpc}`,
    restUrls: ports.ingresses.map((p) => `http://${HOST}:${p.http}`),
    grpcAddresses: ports.ingresses.map((p) => `${HOST}:${p.grpc}`),
    processes,
    stop: (signal = "SIGTERM", timeoutMs = DEFAULT_STOP_TIMEOUT_MS) => stopAll(processes, signal, timeoutMs),
    kill: (name, index = 0, signal = "SIGTERM") => find(name, index).kill(signal),
    async restart(name, index = 0) {
      const p = find(name, index);
      if (p.running) await p.stop("SIGTERM", DEFAULT_STOP_TIMEOUT_MS);
      p.spawn();
      await p.waitReady(readyTimeoutMs);
    },
  };
}

async function stopAll(processes: readonly ServiceProcess[], signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  for (const stage of stopOrder(processes)) {
    await Promise.all(stage.filter((p) => p.running).map((p) => p.stop(signal, timeoutMs)));
  }
}

interface Counts {
  workers: number;
  policies: number;
  ingresses: number;
  routers: number;
  metering: boolean;
}

async function allocatePorts(restPort: number, grpcPort: number, counts: Counts): Promise<MeshPorts> {
  const { workers, policies, ingresses, routers, metering } = counts;
  if (restPort !== 0 && !(await isPortFree(restPort, HOST))) throw new PortInUseError("restPort", restPort);
  if (grpcPort !== 0 && !(await isPortFree(grpcPort, HOST))) throw new PortInUseError("grpcPort", grpcPort);
  const processes = policies + (metering ? 1 : 0) + workers + routers + ingresses;
  const needed = 2 * processes - (restPort !== 0 ? 1 : 0) - (grpcPort !== 0 ? 1 : 0);
  const free = await freePorts(needed, HOST, [restPort, grpcPort]);
  const next = (): number => {
    const port = free.shift();
    if (port === undefined) throw new Error("expected enough free ports for the mesh");
    return port;
  };
  const pair = (): ProcessPorts => ({ grpc: next(), http: next() });
  return {
    policies: Array.from({ length: policies }, pair),
    ...(metering ? { metering: pair() } : {}),
    workers: Array.from({ length: workers }, pair),
    router: pair(),
    ...(routers > 1 ? { extraRouters: Array.from({ length: routers - 1 }, pair) } : {}),
    ingresses: [
      { grpc: grpcPort !== 0 ? grpcPort : next(), http: restPort !== 0 ? restPort : next() },
      ...Array.from({ length: ingresses - 1 }, pair),
    ],
  };
}

async function assertReadable(path: string, what: string): Promise<void> {
  try {
    await access(path);
  } catch {
    throw new Error(`expected ${what} at ${path}, but it does not exist`);
  }
}
