import { loadConfig, resolveSecret } from "@switchyard/config";
import { readServiceEnv, type ServiceEnv } from "@switchyard/runtime";

/** The policy service's settings, read once at startup. */
export interface PolicySettings extends ServiceEnv {
  masterKey: string;
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
    ...readServiceEnv(env, { grpc: "0.0.0.0:4003", http: "0.0.0.0:8083" }),
    masterKey,
  };
}
