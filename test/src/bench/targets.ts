// The things the benchmark loads: the mock upstream directly, a chain of trivial forwarding processes (the floor
// that process hops alone cost), the Switchyard mesh and Portkey's open-source gateway, each routed to the same mock
// upstream process.

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { type ServiceName, startClickHouse, startMesh, startNats } from "@switchyard/launcher";
import { request } from "undici";
import type { Target } from "./load.js";
import { type Child, firstJsonLine, sibling, spawnNode } from "./procs.js";

/** The key the mock upstream accepts. */
export const UPSTREAM_KEY = "sk-bench-upstream-0123456789";
/** The key clients send to Switchyard. */
export const MASTER_KEY = "sk-bench-master-0123456789";
/** The upstream model name. */
const MODEL = "bench-model";

/** A running endpoint under test, or the reason it could not be started. */
export interface Gateway {
  readonly name: "direct" | "floor" | "switchyard" | "portkey";
  /** The endpoint for an upstream latency of `delayMs` (0 = the upstream's defaults). */
  target(delayMs: number): Target;
  /** Processes whose memory and CPU the report shows, by label. */
  readonly pids: ReadonlyMap<string, number>;
  /** Set when the gateway could not be used; every measurement of it is skipped. */
  readonly unavailable?: string;
  /** The version under test, where it is a third-party package. */
  readonly version?: string;
  stop(): Promise<void>;
}

/** The mock upstream process. */
export interface Upstream {
  readonly origin: string;
  readonly process: Child;
  /** Requests it received so far. */
  requests(): Promise<number>;
}

/** `/v1` or `/delay-<ms>/v1`: the upstream's base path for a latency variant. */
function basePath(delayMs: number): string {
  return delayMs > 0 ? `/delay-${delayMs}/v1` : "/v1";
}

/** Starts the mock upstream as its own process. */
export async function startUpstream(chunks: number): Promise<Upstream> {
  const child = spawnNode(sibling("upstream.js"), {
    env: { BENCH_UPSTREAM_KEY: UPSTREAM_KEY, BENCH_UPSTREAM_CHUNKS: String(chunks) },
  });
  const ready = await firstJsonLine(child);
  const origin = `http://127.0.0.1:${Number(ready.port)}`;
  return {
    origin,
    process: child,
    async requests() {
      const res = await request(`${origin}/stats`);
      return ((await res.body.json()) as { requests: number }).requests;
    },
  };
}

/** Requests straight to the upstream. */
export function direct(upstream: Upstream): Gateway {
  return {
    name: "direct",
    target: (delayMs) => ({
      origin: upstream.origin,
      path: `${basePath(delayMs)}/chat/completions`,
      headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
      model: MODEL,
    }),
    pids: new Map([["upstream", upstream.process.pid]]),
    stop: async () => {},
  };
}

/**
 * Starts `hops` trivial forwarding processes (hop-proxy.js) in front of the upstream at `upstreamPort` and returns
 * them with the outermost one's port. The outermost serves HTTP/1.1; the links between them use `inner`.
 */
export async function startHopChain(
  hops: number,
  inner: "h1" | "h2",
  upstreamPort: number,
): Promise<{ port: number; procs: Child[] }> {
  const procs: Child[] = [];
  let next = `127.0.0.1:${upstreamPort}`;
  let port = upstreamPort;
  try {
    for (let i = 0; i < hops; i += 1) {
      const serve = i === hops - 1 ? "h1" : inner;
      const child = spawnNode(sibling("hop-proxy.js"), { args: [serve, next] });
      procs.push(child);
      port = Number((await firstJsonLine(child)).port);
      next = inner === "h2" ? `h2:127.0.0.1:${port}` : `127.0.0.1:${port}`;
    }
  } catch (err) {
    await Promise.all(procs.map((p) => p.stop()));
    throw err;
  }
  return { port, procs };
}

/**
 * The floor: as many trivial forwarding processes as Switchyard's REST path crosses (ingress, router,
 * provider-worker), linked by HTTP/1.1 keep-alive like the mesh, with no parsing, routing or encoding. What they add
 * is what the process layout alone costs on this machine in the same run.
 */
export async function hopFloor(upstream: Upstream, hops = 3): Promise<Gateway> {
  const chain = await startHopChain(hops, "h1", Number(new URL(upstream.origin).port));
  return {
    name: "floor",
    target: (delayMs) => ({
      origin: `http://127.0.0.1:${chain.port}`,
      path: `${basePath(delayMs)}/chat/completions`,
      headers: { authorization: `Bearer ${UPSTREAM_KEY}` },
      model: MODEL,
    }),
    pids: new Map(chain.procs.map((p, i) => [`hop-${hops - i}`, p.pid] as const)),
    stop: async () => {
      await Promise.all(chain.procs.map((p) => p.stop()));
    },
  };
}

function meshConfig(upstream: Upstream, delays: readonly number[]): string {
  const groups = delays.map(
    (delay) => `  - model_name: bench-${delay}
    litellm_params: { model: openai/${MODEL}, api_base: "${upstream.origin}${basePath(delay)}", api_key: os.environ/BENCH_KEY }`,
  );
  return `model_list:\n${groups.join("\n")}\ngeneral_settings:\n  master_key: os.environ/SWITCHYARD_MASTER_KEY\n`;
}

/** Options of the Switchyard mesh. */
export interface MeshBenchOptions {
  readonly workers: number;
  /** Run as deployed by default: usage events to a real nats-server, stored by the metering service in ClickHouse. */
  readonly metering: boolean;
  /** When set, every service records a CPU profile (cpu-profile.ts) and writes it to `<dir>/<service>` on exit. */
  readonly profileDir?: string;
  /** Extra environment per service (merged over the profiling variables). */
  readonly serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /**
   * Another built checkout whose services to run (its own `packages/launcher`, which starts its own services), for
   * comparing two versions; this checkout's when omitted.
   */
  readonly root?: string;
}

function profileEnv(dir: string): Partial<Record<ServiceName, Record<string, string>>> {
  const env: Partial<Record<ServiceName, Record<string, string>>> = {};
  for (const name of ["policy", "metering", "provider-worker", "router", "ingress"] as const) {
    mkdirSync(join(dir, name), { recursive: true });
    env[name] = { NODE_OPTIONS: `--import=${sibling("cpu-profile.js")}`, BENCH_CPU_PROF_DIR: join(dir, name) };
  }
  return env;
}

function mergeEnv(
  a: Partial<Record<ServiceName, Record<string, string>>>,
  b: Partial<Record<ServiceName, Record<string, string>>>,
): Partial<Record<ServiceName, Record<string, string>>> {
  const merged = { ...a };
  for (const [name, env] of Object.entries(b) as [ServiceName, Record<string, string>][]) {
    merged[name] = { ...merged[name], ...env };
  }
  return merged;
}

/** What the benchmark takes from a checkout's launcher. */
interface Launcher {
  startMesh: typeof startMesh;
}

/** Starts the Switchyard mesh with one model group per upstream latency variant (`bench-<ms>`). */
export async function switchyard(
  upstream: Upstream,
  delays: readonly number[],
  options: MeshBenchOptions,
): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-bench-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, meshConfig(upstream, delays));
  const infra = options.metering ? await Promise.all([startNats(), startClickHouse()]) : [];
  const [nats, clickhouse] = infra;
  const launch: typeof startMesh = options.root
    ? ((await import(pathToFileURL(join(options.root, "packages/launcher/dist/index.js")).href)) as Launcher).startMesh
    : startMesh;
  const mesh = await launch({
    configPath,
    workers: options.workers,
    ...(nats && clickhouse ? { metering: { natsUrl: nats.url, clickhouseUrl: clickhouse.url } } : {}),
    env: { SWITCHYARD_MASTER_KEY: MASTER_KEY, BENCH_KEY: UPSTREAM_KEY, LOG_LEVEL: "warn" },
    serviceEnv: mergeEnv(options.profileDir ? profileEnv(options.profileDir) : {}, options.serviceEnv ?? {}),
  });
  const pids = new Map(mesh.processes.map((p) => [p.index > 0 ? `${p.name}-${p.index}` : p.name, p.pid] as const));
  return {
    name: "switchyard",
    target: (delayMs) => ({
      origin: mesh.restUrl,
      path: "/v1/chat/completions",
      headers: { authorization: `Bearer ${MASTER_KEY}` },
      model: `bench-${delayMs}`,
    }),
    pids,
    async stop() {
      await mesh.stop();
      await Promise.all(infra.map((server) => server.stop()));
    },
  };
}

/** The installed `@portkey-ai/gateway` version and its Node entry point, or why it is not there. */
function portkeyEntry(): { version: string; entry: string } | { error: string } {
  try {
    const pkgPath = createRequire(import.meta.url).resolve("@portkey-ai/gateway/package.json");
    const pkg = createRequire(import.meta.url)(pkgPath) as { version: string; bin?: string | Record<string, string> };
    const bin = typeof pkg.bin === "string" ? pkg.bin : Object.values(pkg.bin ?? {})[0];
    return { version: pkg.version, entry: join(dirname(pkgPath), bin ?? "build/start-server.js") };
  } catch (err) {
    return { error: `@portkey-ai/gateway is not installed (${err instanceof Error ? err.message : String(err)})` };
  }
}

async function waitForHttp(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.child.exitCode !== null) throw new Error(`it exited with ${child.child.exitCode}: ${child.stderr()}`);
    try {
      const res = await request(url);
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`it did not answer ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts Portkey's gateway (`start-server.js --port=N --headless`) and checks with one request that it reaches the
 * mock upstream. Never throws: a failure is reported as `unavailable`.
 */
export async function portkey(upstream: Upstream, port: number): Promise<Gateway> {
  const found = portkeyEntry();
  const unavailable = (reason: string): Gateway => ({
    name: "portkey",
    target: () => ({ origin: "", path: "", headers: {}, model: "" }),
    pids: new Map(),
    unavailable: reason,
    ...("version" in found ? { version: found.version } : {}),
    stop: async () => {},
  });
  if ("error" in found) return unavailable(found.error);
  const child = spawnNode(found.entry, { args: [`--port=${port}`, "--headless"] });
  const origin = `http://127.0.0.1:${port}`;
  const gateway: Gateway = {
    name: "portkey",
    target: (delayMs) => ({
      origin,
      path: "/v1/chat/completions",
      headers: {
        authorization: `Bearer ${UPSTREAM_KEY}`,
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": `${upstream.origin}${basePath(delayMs)}`,
      },
      model: MODEL,
    }),
    pids: new Map([["portkey", child.pid]]),
    version: found.version,
    stop: () => child.stop(),
  };
  try {
    await waitForHttp(`${origin}/`, child, 20_000);
    await checkReachesUpstream(gateway, upstream);
    return gateway;
  } catch (err) {
    await child.stop();
    return unavailable(`portkey ${found.version} did not work: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Sends one request through `gateway` and checks that the upstream received it and its answer came back. */
export async function checkReachesUpstream(gateway: Gateway, upstream: Upstream): Promise<void> {
  const target = gateway.target(0);
  const before = await upstream.requests();
  const res = await request(`${target.origin}${target.path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...target.headers },
    body: JSON.stringify({ model: target.model, messages: [{ role: "user", content: "ping" }] }),
  });
  const text = await res.body.text();
  const after = await upstream.requests();
  if (res.statusCode !== 200 || !text.includes("Hello! How can I help you today?")) {
    throw new Error(`expected the upstream's answer, got ${res.statusCode} ${text.slice(0, 300)}`);
  }
  if (after !== before + 1) throw new Error(`expected one upstream request, the upstream counted ${after - before}`);
}
