// Where and how to call a Predibase deployment's LoRAX generate API (https://docs.predibase.com/api), as LiteLLM's
// PredibaseConfig does: `{api_base}/{tenant_id}/deployments/v2/llms/{model}/generate[_stream]`, the base defaulting to
// Predibase's serving host, the tenant from `tenant_id` (or `predibase_tenant_id`, or PREDIBASE_TENANT_ID), and the API
// token (PREDIBASE_API_KEY) as a Bearer token.

import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { misconfigured } from "../errors.js";

/** Predibase's serving host, used when the deployment sets no `api_base` and PREDIBASE_API_BASE is unset. */
export const DEFAULT_BASE_URL = "https://serving.app.predibase.com";

/** The process environment, or a stand-in for it in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : undefined);

/** The tenant the deployment belongs to, as LiteLLM reads it. */
export function tenantOf(dep: Pick<Deployment, "params" | "provider" | "id">, env: Env): string {
  const tenant = text(dep.params.tenant_id) ?? text(dep.params.predibase_tenant_id) ?? text(env.PREDIBASE_TENANT_ID);
  if (tenant) return tenant;
  throw misconfigured(dep, "needs a tenant_id (or PREDIBASE_TENANT_ID)");
}

/** `{base}/{tenant}/deployments/v2/llms/{model}/generate` or `.../generate_stream`. */
export function generateUrl(dep: Deployment, env: Env, stream: boolean): string {
  const base = (dep.apiBase || DEFAULT_BASE_URL).replace(/\/+$/, "");
  const tenant = encodeURIComponent(tenantOf(dep, env));
  const model = encodeURIComponent(dep.model);
  return `${base}/${tenant}/deployments/v2/llms/${model}/${stream ? "generate_stream" : "generate"}`;
}

/** The Bearer header; a deployment without a key is refused before any call (the credential is never echoed). */
export function predibaseHeaders(dep: Pick<Deployment, "provider" | "id">, apiKey: string | undefined) {
  if (!apiKey) {
    throw misconfigured(dep, "has no api_key (PREDIBASE_API_KEY)", llm.ErrorClass.AUTH);
  }
  return { authorization: `Bearer ${apiKey}` };
}
