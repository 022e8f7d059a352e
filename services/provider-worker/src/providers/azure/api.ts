// Where and how to call Azure OpenAI chat completions and embeddings
// (https://learn.microsoft.com/azure/ai-foundry/openai/reference#chat-completions, #embeddings), with LiteLLM's
// parameter names: `api_base` is the resource endpoint, the model after `azure/` is the deployment name, `api_version`
// the REST version.

import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import type { AttemptContext } from "../types.js";
import type { ClientCredentials } from "./entra.js";

/** LiteLLM's AZURE_DEFAULT_API_VERSION (litellm/__init__.py), used when a deployment sets no `api_version`. */
export const DEFAULT_API_VERSION = "2025-02-01-preview";

/** The token scope of Azure OpenAI; LiteLLM's `azure_scope` default. */
export const DEFAULT_SCOPE = "https://cognitiveservices.azure.com/.default";

/** Microsoft Entra ID's public-cloud authority; `azure_authority_host` selects a sovereign cloud (or a test fake). */
export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";

/**
 * Dated versions before this one reject `stream_options` with a 400 ("Unrecognized request argument"); it arrived in
 * 2024-09-01-preview (GA in 2024-10-21), see Azure/azure-rest-api-specs#29157.
 */
const STREAM_USAGE_SINCE = "2024-09-01";

/** LiteLLM's routing prefixes inside the model string (`azure/o_series/<deployment>`); not part of the name. */
const ROUTE_PREFIX = /^(?:o_series|gpt5_series)\//;

/** The Azure deployment a deployment calls: the model after `azure/`, without LiteLLM's routing prefixes. */
export function deploymentName(deployment: Pick<Deployment, "model">): string {
  return deployment.model.replace(ROUTE_PREFIX, "");
}

/** The REST version: `api_version`, else LiteLLM's default. */
export function apiVersionOf(deployment: Pick<Deployment, "apiVersion">): string {
  return deployment.apiVersion || DEFAULT_API_VERSION;
}

/** Whether the version takes `stream_options` (every undated version, such as `preview` or `latest`, does). */
export function acceptsStreamOptions(apiVersion: string): boolean {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(apiVersion)?.[0];
  return date === undefined || date >= STREAM_USAGE_SINCE;
}

/** The operations of a deployment, by their path under it. */
export type AzureEndpoint = "chat/completions" | "embeddings" | "completions";

/**
 * `{api_base}/openai/deployments/{deployment}/{endpoint}?api-version={version}`, as the Azure OpenAI SDKs build it
 * from `azure_endpoint`. An `api_base` that already ends in `/openai` is accepted too.
 */
export function azureDeploymentUrl(
  deployment: Pick<Deployment, "apiBase" | "model" | "apiVersion">,
  endpoint: AzureEndpoint,
): string {
  const base = (deployment.apiBase ?? "").replace(/\/+$/, "").replace(/\/openai$/, "");
  const name = encodeURIComponent(deploymentName(deployment));
  return `${base}/openai/deployments/${name}/${endpoint}?api-version=${encodeURIComponent(apiVersionOf(deployment))}`;
}

/** The deployment's chat completions URL (https://learn.microsoft.com/azure/ai-foundry/openai/reference#chat-completions). */
export function azureChatUrl(deployment: Pick<Deployment, "apiBase" | "model" | "apiVersion">): string {
  return azureDeploymentUrl(deployment, "chat/completions");
}

/** How a deployment authenticates, in LiteLLM's order of preference (an Entra ID token wins over a key). */
export type AzureAuth =
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "client"; readonly grant: ClientCredentials }
  | { readonly kind: "key"; readonly key: string };

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function misconfigured(ctx: Pick<AttemptContext, "deployment">, what: string): GatewayError {
  return new GatewayError({
    class: llm.ErrorClass.INTERNAL,
    message: `deployment "${ctx.deployment.id}" (${ctx.deployment.provider}) ${what}`,
    deploymentId: ctx.deployment.id,
  });
}

/**
 * The deployment's credential: `azure_ad_token` (a static Entra ID token), else the client-credentials grant
 * (`tenant_id` and `client_id` params, `client_secret` credential), else `api_key`, as the Azure OpenAI SDK prefers a
 * token over a key. A half-configured grant is a configuration error, never a silent fallback to the key.
 */
export function azureAuthOf(ctx: Pick<AttemptContext, "deployment" | "apiKey" | "credentials">): AzureAuth {
  const token = text(ctx.credentials?.azure_ad_token);
  if (token) return { kind: "token", token };
  const { params } = ctx.deployment;
  const tenantId = text(params.tenant_id);
  const clientId = text(params.client_id);
  const clientSecret = text(ctx.credentials?.client_secret);
  if (tenantId || clientSecret) {
    const missing = [
      ["tenant_id", tenantId],
      ["client_id", clientId],
      ["client_secret", clientSecret],
    ].filter(([, value]) => !value);
    if (missing.length > 0) throw misconfigured(ctx, `needs ${missing.map(([name]) => name).join(" and ")}`);
    const grant: ClientCredentials = {
      authorityHost: text(params.azure_authority_host) ?? DEFAULT_AUTHORITY_HOST,
      tenantId: tenantId!,
      clientId: clientId!,
      clientSecret: clientSecret!,
      scope: text(params.azure_scope) ?? DEFAULT_SCOPE,
    };
    return { kind: "client", grant };
  }
  if (ctx.apiKey) return { kind: "key", key: ctx.apiKey };
  throw misconfigured(ctx, "needs an api_key, an azure_ad_token, or tenant_id, client_id and client_secret");
}
