import { type GatewayConfig, loadConfig } from "@switchyard/config";
import { intEnv } from "@switchyard/runtime";

/** The ingress's settings, read once at startup. */
export interface IngressSettings {
  /** REST API (OpenAI-compatible) and health probes. */
  httpAddress: string;
  /** Public gRPC API (GatewayService). */
  grpcAddress: string;
  routerAddress: string;
  policyAddress: string;
  config: GatewayConfig;
  drainDelayMs: number;
  drainGraceMs: number;
}

/** Reads settings from the environment and the gateway config; throws a precise message when invalid. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): IngressSettings {
  return {
    httpAddress: env.SWITCHYARD_HTTP_ADDR ?? "0.0.0.0:4000",
    grpcAddress: env.SWITCHYARD_GRPC_ADDR ?? "0.0.0.0:4001",
    routerAddress: env.SWITCHYARD_ROUTER_ADDR ?? "127.0.0.1:8082",
    policyAddress: env.SWITCHYARD_POLICY_ADDR ?? "127.0.0.1:8083",
    config: loadConfig(env.SWITCHYARD_CONFIG ?? "config/switchyard.example.yaml"),
    drainDelayMs: intEnv("SWITCHYARD_DRAIN_DELAY_MS", 0),
    drainGraceMs: intEnv("SWITCHYARD_DRAIN_GRACE_MS", 30_000),
  };
}
