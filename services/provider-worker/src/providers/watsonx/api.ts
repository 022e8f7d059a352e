// Where and how to call watsonx.ai's chat API (https://cloud.ibm.com/apidocs/watsonx-ai#text-chat): the regional
// base URL from `api_base` / WATSONX_URL, a `version` query, and the project or deployment space the call runs in.

import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";

/** The API version date sent when the deployment sets no `api_version`. */
export const DEFAULT_VERSION = "2024-05-31";

/** The process environment, or a stand-in for it in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

function missing(dep: Pick<Deployment, "provider" | "id">, what: string): GatewayError {
  return new GatewayError({
    class: llm.ErrorClass.INTERNAL,
    message: `deployment "${dep.id}" (${dep.provider}) needs ${what}`,
    provider: dep.provider,
    deploymentId: dep.id,
  });
}

const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : undefined);

/**
 * `{url}/ml/v1/text/chat[_stream]?version=...`, or for a model deployed to a space (LiteLLM's
 * `watsonx/deployment/<id>`) `{url}/ml/v1/deployments/<id>/text/chat[_stream]`.
 */
export function chatUrl(dep: Deployment, stream: boolean): string {
  if (!dep.apiBase) throw missing(dep, "an api_base (or WATSONX_URL): the watsonx.ai regional URL");
  const base = dep.apiBase.replace(/\/+$/, "");
  const op = stream ? "chat_stream" : "chat";
  const version = encodeURIComponent(dep.apiVersion || DEFAULT_VERSION);
  const deployed = deploymentIdOf(dep);
  const path = deployed ? `/ml/v1/deployments/${encodeURIComponent(deployed)}/text/${op}` : `/ml/v1/text/${op}`;
  return `${base}${path}?version=${version}`;
}

/** The deployment id of `deployment/<id>` models. */
export function deploymentIdOf(dep: Pick<Deployment, "model">): string | undefined {
  return dep.model.startsWith("deployment/") ? dep.model.slice("deployment/".length) : undefined;
}

/**
 * Where the call runs, as LiteLLM reads it: `project_id` / `watsonx_project_id`, else `space_id` /
 * `watsonx_deployment_space_id`, else WATSONX_PROJECT_ID / WATSONX_DEPLOYMENT_SPACE_ID. A deployed model runs in its
 * space and needs neither.
 */
export function scopeOf(dep: Deployment, env: Env): { project_id: string } | { space_id: string } | object {
  const p = dep.params;
  const project = text(p.project_id) ?? text(p.watsonx_project_id);
  const space = text(p.space_id) ?? text(p.watsonx_deployment_space_id);
  if (project) return { project_id: project };
  if (space) return { space_id: space };
  const envProject = text(env.WATSONX_PROJECT_ID);
  if (envProject) return { project_id: envProject };
  const envSpace = text(env.WATSONX_DEPLOYMENT_SPACE_ID);
  if (envSpace) return { space_id: envSpace };
  if (deploymentIdOf(dep)) return {};
  throw missing(dep, "a project_id or space_id (or WATSONX_PROJECT_ID)");
}

/** The IAM token URL: WATSONX_IAM_URL when set (a private IAM, or a test double), else IBM Cloud's. */
export function iamUrlOf(env: Env, fallback: string): string {
  return text(env.WATSONX_IAM_URL) ?? fallback;
}
