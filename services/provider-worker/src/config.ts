import { type GatewayConfig, loadConfig } from "@switchyard/config";
import { intEnv, readServiceEnv, type ServiceEnv } from "@switchyard/runtime";

/** The provider worker's settings, read once at startup. */
export interface WorkerSettings extends ServiceEnv {
  config: GatewayConfig;
  /** Largest number of open upstream connections per origin. */
  upstreamConnections: number;
  /**
   * NATS for usage events; undefined runs the worker without metering (development only). The publisher's
   * own settings (SWITCHYARD_USAGE_*) are read by @switchyard/usage.
   */
  natsUrl: string | undefined;
}

/** Reads settings from the environment and the gateway config; throws a precise message when invalid. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  return {
    ...readServiceEnv(env, { grpc: "0.0.0.0:4004", http: "0.0.0.0:8084" }),
    config: loadConfig(env.SWITCHYARD_CONFIG ?? "config/switchyard.example.yaml"),
    upstreamConnections: intEnv("SWITCHYARD_UPSTREAM_CONNECTIONS", 512, 1, 65_536, env),
    natsUrl: env.SWITCHYARD_NATS_URL || undefined,
  };
}
