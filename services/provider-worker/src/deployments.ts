import { type Deployment, resolveSecret } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { GatewayError, type Logger, tracing } from "@switchyard/runtime";
import { adapterFor } from "./providers/registry.js";
import type { ProviderAdapter } from "./providers/types.js";
import { traceAdapter } from "./providers/upstream-span.js";

/** A deployment ready to call: its adapter and, when configured on this worker, its credential. */
export interface Target {
  readonly deployment: Deployment;
  readonly adapter: ProviderAdapter;
  readonly apiKey?: string;
  /** The deployment's other credentials, resolved (`aws_secret_access_key` ...); never logged. */
  readonly credentials: Readonly<Record<string, string>>;
}

/** Looks up call targets by deployment id. */
export interface Targets {
  get(deploymentId: string): Target;
}

/**
 * Resolves every deployment's adapter and credential once at startup. A worker pool may lack the
 * credentials of deployments it does not serve, so a missing secret is logged (by variable name only)
 * and reported per call instead of stopping the worker.
 */
export function createTargets(deployments: readonly Deployment[], log: Logger, env = process.env): Targets {
  const targets = new Map<string, Target>();
  const missing = new Map<string, string>();
  for (const declared of deployments) {
    // While tracing, the upstream spans get the answer's GenAI attributes (providers/upstream-span.ts).
    const adapter = tracing.tracingEnabled()
      ? traceAdapter(adapterFor(declared.provider))
      : adapterFor(declared.provider);
    const deployment = withEnvBase(declared, adapter, env);
    let apiKey: string | undefined;
    const credentials: Record<string, string> = {};
    try {
      if (deployment.apiKey) {
        apiKey = resolveSecret(deployment.apiKey, env, `${deployment.source}.litellm_params.api_key`);
      } else {
        apiKey = firstSet(env, adapter.env?.apiKey);
      }
      for (const [name, ref] of Object.entries(deployment.credentials ?? {})) {
        credentials[name] = resolveSecret(ref, env, `${deployment.source}.litellm_params.${name}`);
      }
    } catch (err) {
      missing.set(deployment.id, err instanceof Error ? err.message : String(err));
      log.warn({ deployment: deployment.id, reason: missing.get(deployment.id) }, "deployment credential missing");
    }
    targets.set(deployment.id, {
      deployment,
      adapter,
      apiKey,
      credentials: Object.freeze(credentials),
    });
  }
  return {
    get(deploymentId) {
      const target = targets.get(deploymentId);
      if (!target) {
        throw new GatewayError({ class: llm.ErrorClass.NOT_FOUND, message: `unknown deployment "${deploymentId}"` });
      }
      if (missing.has(deploymentId)) {
        throw new GatewayError({
          class: llm.ErrorClass.INTERNAL,
          message: `deployment "${deploymentId}" has no credential on this worker`,
          deploymentId,
        });
      }
      return target;
    },
  };
}

/** The value of the first of `names` set (non-empty) in `env`. */
function firstSet(env: NodeJS.ProcessEnv, names: readonly string[] | undefined): string | undefined {
  for (const name of names ?? []) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** The deployment with its provider's `api_base` from the environment when it sets none (as LiteLLM reads it). */
function withEnvBase(deployment: Deployment, adapter: ProviderAdapter, env: NodeJS.ProcessEnv): Deployment {
  if (deployment.apiBase) return deployment;
  const apiBase = firstSet(env, adapter.env?.apiBase);
  return apiBase ? { ...deployment, apiBase } : deployment;
}

/**
 * The deployment as called for `requestedModel`. Wildcard deployments (`model_name: "anthropic/*"`,
 * `model: "anthropic/*"`) call the upstream model the client named: the part the group's `*` matched
 * replaces the `*` of the deployment's model, as in LiteLLM.
 */
export function forRequestedModel(deployment: Deployment, requestedModel: string): Deployment {
  const star = deployment.model.indexOf("*");
  if (star < 0) return deployment;
  const groupStar = deployment.modelName.indexOf("*");
  const matched =
    groupStar < 0
      ? requestedModel
      : requestedModel.slice(groupStar, requestedModel.length - (deployment.modelName.length - groupStar - 1));
  return { ...deployment, model: deployment.model.slice(0, star) + matched + deployment.model.slice(star + 1) };
}
