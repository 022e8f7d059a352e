import {
  type Deployment,
  type JwtAuthSettings,
  loadConfig,
  type RouterSettings,
  resolveSecret,
} from "@switchyard/config";
import { intEnv, readServiceEnv, type ServiceEnv } from "@switchyard/runtime";
import { type NatsAuth, readNatsSettings } from "@switchyard/usage";
import { ADMISSION_TTL_MS } from "./ledger/admission.js";

/** The policy service's settings, read once at startup. */
export interface PolicySettings extends ServiceEnv {
  masterKey: string;
  /** `SWITCHYARD_NATS_URL` (comma-separated for a cluster); empty runs the master key only, without key management. */
  natsServers: string[];
  /** NATS credentials and TLS (`SWITCHYARD_NATS_USER`, `_TOKEN`, `_CREDS`, `_TLS_*`; @switchyard/usage nats-settings). */
  natsAuth: NatsAuth;
  /** `SWITCHYARD_KEY_HASH_SECRET`: the HMAC key of stored virtual-key hashes; required with NATS. */
  keyHashSecret: string;
  /** `SWITCHYARD_POLICY_KV_REPLICAS`: replicas of the policy buckets in a NATS cluster (1, 3 or 5; default 1). */
  kvReplicas: number;
  /** `SWITCHYARD_POLICY_STARTUP_TIMEOUT_MS`: how long startup waits for NATS and the initial load (default 60 s). */
  startupTimeoutMs: number;
  /**
   * `SWITCHYARD_POLICY_ADMISSION_TTL_MS`: how long an admission the ledger hears nothing about holds its parallel slot
   * and budget reservation (default 15 minutes); running requests are renewed by the ingress at half of it.
   */
  admissionTtlMs: number;
  /** The gateway's deployments, for access groups (`model_info.access_groups`) and budget reservations. */
  deployments: readonly Deployment[];
  /** Fallback rules: a budget reservation prices every group a request could fall back to. */
  router: RouterSettings;
  /** JWT auth (`general_settings.enable_jwt_auth` and `litellm_jwtauth`); undefined when off. */
  jwtAuth: JwtAuthSettings | undefined;
}

const MIN_HASH_SECRET = 32;

/** Reads settings from the environment and the gateway config; throws a precise message when invalid. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): PolicySettings {
  const config = loadConfig(env.SWITCHYARD_CONFIG ?? "config/switchyard.example.yaml");
  const masterKey =
    env.SWITCHYARD_MASTER_KEY ||
    (config.general.masterKey ? resolveSecret(config.general.masterKey, env, "general_settings.master_key") : "");
  if (!masterKey) {
    throw new Error("general_settings.master_key: required (or set SWITCHYARD_MASTER_KEY)");
  }
  const { servers: nats, auth: natsAuth } = readNatsSettings(env);
  const keyHashSecret = env.SWITCHYARD_KEY_HASH_SECRET ?? "";
  if (nats.length > 0 && keyHashSecret.length < MIN_HASH_SECRET) {
    throw new Error(
      `environment variable SWITCHYARD_KEY_HASH_SECRET: required with SWITCHYARD_NATS_URL, at least ${MIN_HASH_SECRET} characters`,
    );
  }
  const kvReplicas = intEnv("SWITCHYARD_POLICY_KV_REPLICAS", 1, 1, 5, env);
  if (kvReplicas % 2 === 0) throw new Error("environment variable SWITCHYARD_POLICY_KV_REPLICAS: expected 1, 3 or 5");
  return {
    ...readServiceEnv(env, { grpc: "0.0.0.0:4003", http: "0.0.0.0:8083" }),
    masterKey,
    natsServers: nats,
    natsAuth,
    keyHashSecret,
    kvReplicas,
    startupTimeoutMs: intEnv("SWITCHYARD_POLICY_STARTUP_TIMEOUT_MS", 60_000, 1_000, 3_600_000, env),
    admissionTtlMs: intEnv("SWITCHYARD_POLICY_ADMISSION_TTL_MS", ADMISSION_TTL_MS, 4_000, 86_400_000, env),
    deployments: config.deployments,
    router: config.router,
    jwtAuth: config.general.jwtAuth,
  };
}
