import { type GatewayConfig, loadConfig } from "@switchyard/config";
import { intEnv } from "@switchyard/runtime";

/** The provider worker's settings, read once at startup. */
export interface WorkerSettings {
  grpcAddress: string;
  httpAddress: string;
  config: GatewayConfig;
  /** Largest number of open upstream connections per origin. */
  upstreamConnections: number;
  drainDelayMs: number;
  drainGraceMs: number;
}

/** Reads settings from the environment and the gateway config; throws a precise message when invalid. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  return {
    grpcAddress: env.SWITCHYARD_GRPC_ADDR ?? "0.0.0.0:4004",
    httpAddress: env.SWITCHYARD_HTTP_ADDR ?? "0.0.0.0:8084",
    config: loadConfig(env.SWITCHYARD_CONFIG ?? "config/switchyard.example.yaml"),
    upstreamConnections: intEnv("SWITCHYARD_UPSTREAM_CONNECTIONS", 512, 1, 65_536),
    drainDelayMs: intEnv("SWITCHYARD_DRAIN_DELAY_MS", 0),
    drainGraceMs: intEnv("SWITCHYARD_DRAIN_GRACE_MS", 30_000),
  };
}
