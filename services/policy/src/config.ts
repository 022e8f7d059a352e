import { loadConfig, resolveSecret } from "@switchyard/config";
import { intEnv } from "@switchyard/runtime";

/** The policy service's settings, read once at startup. */
export interface PolicySettings {
  grpcAddress: string;
  httpAddress: string;
  masterKey: string;
  drainDelayMs: number;
  drainGraceMs: number;
}

/** Reads settings from the environment and the gateway config; throws a precise message when invalid. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): PolicySettings {
  const config = loadConfig(env.SWITCHYARD_CONFIG ?? "config/switchyard.example.yaml");
  const masterKey =
    env.SWITCHYARD_MASTER_KEY ||
    (config.general.masterKey ? resolveSecret(config.general.masterKey, env, "general_settings.master_key") : "");
  if (!masterKey) {
    throw new Error("general_settings.master_key: required (or set SWITCHYARD_MASTER_KEY)");
  }
  return {
    grpcAddress: env.SWITCHYARD_GRPC_ADDR ?? "0.0.0.0:4003",
    httpAddress: env.SWITCHYARD_HTTP_ADDR ?? "0.0.0.0:8083",
    masterKey,
    drainDelayMs: intEnv("SWITCHYARD_DRAIN_DELAY_MS", 0),
    drainGraceMs: intEnv("SWITCHYARD_DRAIN_GRACE_MS", 30_000),
  };
}
