import { type GatewayConfig, loadConfig } from "@switchyard/config";
import { readServiceEnv, type ServiceEnv } from "@switchyard/runtime";

/** The ingress's settings, read once at startup. */
export interface IngressSettings extends ServiceEnv {
  routerAddress: string;
  policyAddress: string;
  /** The metering service for the spend APIs; undefined when the gateway runs without metering. */
  meteringAddress: string | undefined;
  config: GatewayConfig;
  /** `SWITCHYARD_PREFETCH_ADMISSIONS` (default true): see docs/limits.md. */
  prefetchAdmissions: boolean;
}

/** Reads settings from the environment and the gateway config; throws a precise message when invalid. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): IngressSettings {
  return {
    ...readServiceEnv(env, { grpc: "0.0.0.0:4001", http: "0.0.0.0:4000" }),
    routerAddress: env.SWITCHYARD_ROUTER_ADDR ?? "127.0.0.1:8082",
    policyAddress: env.SWITCHYARD_POLICY_ADDR ?? "127.0.0.1:8083",
    meteringAddress: env.SWITCHYARD_METERING_ADDR || undefined,
    config: loadConfig(env.SWITCHYARD_CONFIG ?? "config/switchyard.example.yaml"),
    prefetchAdmissions: env.SWITCHYARD_PREFETCH_ADMISSIONS !== "false" && env.SWITCHYARD_PREFETCH_ADMISSIONS !== "0",
  };
}
