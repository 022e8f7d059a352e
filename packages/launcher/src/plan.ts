// Planning of a mesh: which processes, in which order, on which addresses, with which environment. Nothing here
// touches the network or spawns anything, so it is unit tested directly; its one impure step is drawing a random
// key-hash secret for the policy when a metered mesh is given none.

import { randomBytes } from "node:crypto";

/** The deployables, in start order. */
export const SERVICE_NAMES = ["policy", "metering", "provider-worker", "router", "ingress"] as const;

/** A Switchyard service that runs as its own process. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The gRPC and HTTP ports of one process. */
export interface ProcessPorts {
  readonly grpc: number;
  readonly http: number;
}

/**
 * Ports of every process in the mesh; `policies`, `workers` and `ingresses` have one entry per replica (at least
 * one). `metering` is absent when the mesh runs without metering (no NATS and ClickHouse given).
 */
export interface MeshPorts {
  readonly policies: readonly ProcessPorts[];
  readonly metering?: ProcessPorts;
  readonly workers: readonly ProcessPorts[];
  readonly router: ProcessPorts;
  /** Router replicas after the first (`router`), from index 1 on; absent or empty for one router. */
  readonly extraRouters?: readonly ProcessPorts[];
  readonly ingresses: readonly ProcessPorts[];
}

/** Everything needed to spawn one process of the mesh. */
export interface ProcessPlan {
  readonly name: ServiceName;
  /** Replica index; 0 for services that run once. */
  readonly index: number;
  /** Entry point relative to the repository root. */
  readonly entry: string;
  readonly grpcAddress: string;
  readonly httpAddress: string;
  readonly env: Readonly<Record<string, string>>;
}

/** Input of `planMesh`. */
export interface PlanInput {
  /** Absolute path of the YAML config. */
  readonly configPath: string;
  readonly host: string;
  readonly ports: MeshPorts;
  /** The launcher's own environment; children inherit it minus variables that only concern the parent. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** Extra environment for every process; cannot override the addresses the mesh assigns. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra environment per service; applied last, so it can override anything (fault tests rewire addresses). */
  readonly serviceEnv?: Partial<Record<ServiceName, Readonly<Record<string, string>>>>;
  /**
   * NATS and ClickHouse for metering; without them the mesh runs no metering service and publishes no usage. With
   * them the policy also keeps its virtual keys, teams, users and customers in NATS (see `planMesh`).
   */
  readonly metering?: MeteringInfra;
}

/** Where the metering data goes. */
export interface MeteringInfra {
  /** `nats://host:port` of a JetStream-enabled NATS. */
  readonly natsUrl: string;
  /** `http://host:port` of ClickHouse's HTTP interface. */
  readonly clickhouseUrl: string;
}

// node --test marks its child processes with NODE_TEST_CONTEXT; a service inheriting it would report to a test
// runner that is not listening.
const PARENT_ONLY_ENV = new Set(["NODE_TEST_CONTEXT"]);

/** The environment variable of the HMAC key of stored virtual-key hashes (services/policy/README.md). */
export const KEY_HASH_SECRET_ENV = "SWITCHYARD_KEY_HASH_SECRET";

/** A new random key-hash secret: 32 random bytes in base64url, 43 characters (the policy needs at least 32). */
export function generateKeyHashSecret(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Plans the processes of a mesh in start order: policy, metering, provider-workers, router, ingress.
 *
 * With metering infra, the policy also gets `SWITCHYARD_NATS_URL` (key management) and the
 * `SWITCHYARD_KEY_HASH_SECRET` it requires with it: the one in the input environment (`baseEnv` or `env`) when set,
 * else a random one generated here, once per plan. A generated secret lives as long as the mesh, so keys survive a
 * `restart()` of the policy but not a new mesh: fine for tests, while `npm start` keeps a secret on disk and passes
 * it in `serviceEnv.policy` (which overrides both).
 */
export function planMesh(input: PlanInput): ProcessPlan[] {
  const { host, ports, metering } = input;
  const address = (port: number) => `${host}:${port}`;
  // Internal hops speak Connect over HTTP/1.1 on each service's HTTP port (docs/transport.md).
  const workerAddrs = ports.workers.map((p) => address(p.http)).join(",");
  if (metering && !ports.metering) throw new Error("expected ports for the metering service");
  const nats: Record<string, string> = metering ? { SWITCHYARD_NATS_URL: metering.natsUrl } : {};
  const inherited = inheritedEnv(input);
  const policyNats: Record<string, string> = metering
    ? { ...nats, [KEY_HASH_SECRET_ENV]: inherited[KEY_HASH_SECRET_ENV] || generateKeyHashSecret() }
    : {};
  if (ports.policies.length === 0 || ports.ingresses.length === 0) throw new Error("expected a policy and an ingress");
  const routers = [ports.router, ...(ports.extraRouters ?? [])];
  const extra = (name: ServiceName, index: number): Record<string, string> => {
    switch (name) {
      case "policy":
        return policyNats;
      case "metering":
        return metering ? { ...nats, SWITCHYARD_CLICKHOUSE_URL: metering.clickhouseUrl } : {};
      case "provider-worker":
        return nats;
      case "router":
        return { SWITCHYARD_WORKER_ADDRS: workerAddrs };
      case "ingress": {
        // Ingress i asks policy i and router i (modulo), so replicated ingresses, policies and routers share the
        // work pairwise.
        const policy = ports.policies[index % ports.policies.length] as ProcessPorts;
        const router = routers[index % routers.length] as ProcessPorts;
        return {
          SWITCHYARD_ROUTER_ADDR: address(router.http),
          SWITCHYARD_POLICY_ADDR: address(policy.http),
          ...(metering && ports.metering ? { SWITCHYARD_METERING_ADDR: address(ports.metering.http) } : {}),
        };
      }
    }
  };
  const replicas = (name: ServiceName, list: readonly ProcessPorts[]) =>
    list.map((p, i): [ServiceName, number, ProcessPorts] => [name, i, p]);
  const entries: [ServiceName, number, ProcessPorts][] = [
    ...replicas("policy", ports.policies),
    ...(metering && ports.metering ? [["metering", 0, ports.metering] as [ServiceName, number, ProcessPorts]] : []),
    ...replicas("provider-worker", ports.workers),
    ...replicas("router", routers),
    ...replicas("ingress", ports.ingresses),
  ];
  return entries.map(([name, index, p]) => {
    const contract = {
      SWITCHYARD_CONFIG: input.configPath,
      SWITCHYARD_GRPC_ADDR: address(p.grpc),
      SWITCHYARD_HTTP_ADDR: address(p.http),
      ...extra(name, index),
    };
    return {
      name,
      index,
      entry: `services/${name}/dist/main.js`,
      grpcAddress: address(p.grpc),
      httpAddress: address(p.http),
      env: { ...inherited, ...contract, ...input.serviceEnv?.[name] },
    };
  });
}

function inheritedEnv(input: PlanInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.baseEnv)) {
    if (value !== undefined && !PARENT_ONLY_ENV.has(key)) env[key] = value;
  }
  Object.assign(env, input.env);
  env["LOG_LEVEL"] ??= "info";
  return env;
}

/** Stop order: the reverse of start order, so ingress stops taking traffic before what it depends on goes away. */
export function stopOrder<T extends { readonly name: ServiceName }>(processes: readonly T[]): T[][] {
  const stages: T[][] = [];
  for (const name of [...SERVICE_NAMES].reverse()) {
    const stage = processes.filter((p) => p.name === name);
    if (stage.length > 0) stages.push(stage);
  }
  return stages;
}

/** Log file of a process: `<label>.log` (see `processLabel`). */
export function logFileName(name: ServiceName, index: number): string {
  return `${processLabel(name, index)}.log`;
}

/**
 * Short label of a process for messages and log prefixes: `router`, `provider-worker-1`; provider-workers always
 * carry their index, other services from their second replica on (`ingress`, `ingress-1`).
 */
export function processLabel(name: ServiceName, index: number): string {
  return name === "provider-worker" || index > 0 ? `${name}-${index}` : name;
}
