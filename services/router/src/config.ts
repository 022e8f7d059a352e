import { type GatewayConfig, loadConfig } from "@switchyard/config";
import { intEnv } from "@switchyard/runtime";

/** The router's settings, read once at startup. */
export interface RouterServiceSettings {
  grpcAddress: string;
  httpAddress: string;
  config: GatewayConfig;
  /** Provider-worker addresses (`host:port`), balanced by in-flight requests. */
  workerAddresses: string[];
  drainDelayMs: number;
  drainGraceMs: number;
}

/** Reads settings from the environment and the gateway config; throws a precise message when invalid. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): RouterServiceSettings {
  const workers = (env.SWITCHYARD_WORKER_ADDRS ?? "127.0.0.1:8084")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (workers.length === 0) throw new Error("SWITCHYARD_WORKER_ADDRS: expected at least one host:port");
  return {
    grpcAddress: env.SWITCHYARD_GRPC_ADDR ?? "0.0.0.0:4002",
    httpAddress: env.SWITCHYARD_HTTP_ADDR ?? "0.0.0.0:8082",
    config: loadConfig(env.SWITCHYARD_CONFIG ?? "config/switchyard.example.yaml"),
    workerAddresses: workers,
    drainDelayMs: intEnv("SWITCHYARD_DRAIN_DELAY_MS", 0),
    drainGraceMs: intEnv("SWITCHYARD_DRAIN_GRACE_MS", 30_000),
  };
}
