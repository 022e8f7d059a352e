import { type GatewayConfig, loadConfig } from "@switchyard/config";
import { readServiceEnv, type ServiceEnv } from "@switchyard/runtime";
import { readWorkerDiscovery, type WorkerDiscovery } from "./discovery.js";

/** The router's settings, read once at startup. */
export interface RouterServiceSettings extends ServiceEnv {
  config: GatewayConfig;
  /** Where the provider workers are found: static addresses, a DNS name, or Kubernetes EndpointSlices. */
  workerDiscovery: WorkerDiscovery;
  /** The static provider-worker addresses (`host:port`); empty when they are discovered at run time. */
  workerAddresses: string[];
}

/** Reads settings from the environment and the gateway config; throws a precise message when invalid. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): RouterServiceSettings {
  const workerDiscovery = readWorkerDiscovery(env);
  return {
    ...readServiceEnv(env, { grpc: "0.0.0.0:4002", http: "0.0.0.0:8082" }),
    config: loadConfig(env.SWITCHYARD_CONFIG ?? "config/switchyard.example.yaml"),
    workerDiscovery,
    workerAddresses: workerDiscovery.kind === "static" ? workerDiscovery.addresses : [],
  };
}
