import { type GatewayConfig, loadConfig } from "@switchyard/config";
import { readServiceEnv, type ServiceEnv } from "@switchyard/runtime";
import type { WorkerDiscovery } from "./discovery.js";
import { readPoolDiscovery } from "./pools.js";

/** The router's settings, read once at startup. */
export interface RouterServiceSettings extends ServiceEnv {
  config: GatewayConfig;
  /**
   * Where each pool's provider workers are found (static addresses, a DNS name, or Kubernetes EndpointSlices): the
   * default pool, then every `worker_pool` a deployment names.
   */
  workerPools: Map<string, WorkerDiscovery>;
}

/** Reads settings from the environment and the gateway config; throws a precise message when invalid. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): RouterServiceSettings {
  const config = loadConfig(env.SWITCHYARD_CONFIG ?? "config/switchyard.example.yaml");
  return {
    ...readServiceEnv(env, { grpc: "0.0.0.0:4002", http: "0.0.0.0:8082" }),
    config,
    workerPools: readPoolDiscovery(env, config.deployments),
  };
}
