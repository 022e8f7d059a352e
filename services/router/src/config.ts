import { type GatewayConfig, loadConfig } from "@switchyard/config";
import { readServiceEnv, type ServiceEnv } from "@switchyard/runtime";

/** The router's settings, read once at startup. */
export interface RouterServiceSettings extends ServiceEnv {
  config: GatewayConfig;
  /** Provider-worker addresses (`host:port`), balanced by in-flight requests. */
  workerAddresses: string[];
}

/** Reads settings from the environment and the gateway config; throws a precise message when invalid. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): RouterServiceSettings {
  const workers = (env.SWITCHYARD_WORKER_ADDRS ?? "127.0.0.1:8084")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (workers.length === 0) throw new Error("SWITCHYARD_WORKER_ADDRS: expected at least one host:port");
  return {
    ...readServiceEnv(env, { grpc: "0.0.0.0:4002", http: "0.0.0.0:8082" }),
    config: loadConfig(env.SWITCHYARD_CONFIG ?? "config/switchyard.example.yaml"),
    workerAddresses: workers,
  };
}
