import { GatewayError } from "./errors.js";

/** Reads a required environment variable, failing with its name. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`environment variable ${name} is required`);
  return value;
}

/** Reads an integer environment variable within bounds, failing with its name and the bounds. */
export function intEnv(
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`environment variable ${name}: expected an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

export { GatewayError };

/** Where a service listens and how it drains; the same variables for every service. */
export interface ServiceEnv {
  /** `SWITCHYARD_GRPC_ADDR`: gRPC (the public API on the ingress, health elsewhere). */
  grpcAddress: string;
  /** `SWITCHYARD_HTTP_ADDR`: REST on the ingress, the Connect API elsewhere, and the probes. */
  httpAddress: string;
  /** `SWITCHYARD_DRAIN_DELAY_MS`: wait after turning not-ready, so load balancers notice (default 0). */
  drainDelayMs: number;
  /** `SWITCHYARD_DRAIN_GRACE_MS`: longest time in-flight work gets to finish (default 30 s). */
  drainGraceMs: number;
  /**
   * `SWITCHYARD_METRICS_ADDR`: a separate listener for `GET /metrics` only; unset, none. The ingress needs it to be
   * scraped (its HTTP port is public and serves no metrics); the other services also serve them on their HTTP port.
   */
  metricsAddress?: string;
}

/** Reads the listening and draining variables, with the service's default addresses. */
export function readServiceEnv(env: NodeJS.ProcessEnv, defaults: { grpc: string; http: string }): ServiceEnv {
  return {
    grpcAddress: env.SWITCHYARD_GRPC_ADDR || defaults.grpc,
    httpAddress: env.SWITCHYARD_HTTP_ADDR || defaults.http,
    drainDelayMs: intEnv("SWITCHYARD_DRAIN_DELAY_MS", 0, 0, 600_000, env),
    drainGraceMs: intEnv("SWITCHYARD_DRAIN_GRACE_MS", 30_000, 0, 3_600_000, env),
    ...(env.SWITCHYARD_METRICS_ADDR ? { metricsAddress: env.SWITCHYARD_METRICS_ADDR } : {}),
  };
}
