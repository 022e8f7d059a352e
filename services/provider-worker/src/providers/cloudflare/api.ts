// Where and how to call Cloudflare Workers AI (https://developers.cloudflare.com/api/resources/ai/methods/run/): the
// native `POST /client/v4/accounts/{account_id}/ai/run/{model}` with a Bearer API token, as LiteLLM calls it. (Workers
// AI also serves an OpenAI-compatible `/ai/v1/chat/completions`; the native route is used for parity with LiteLLM's
// `cloudflare/` provider and its `api_base` convention, which ends in `/ai/run/`.)

import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";

/** The process environment, or a stand-in for it in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

const text = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : undefined);

/**
 * `{api_base}{model}` when api_base is set (LiteLLM's form, ending in `/ai/run/`), else the public API with the
 * account from `account_id` / `cloudflare_account_id` or CLOUDFLARE_ACCOUNT_ID. The model keeps its slashes
 * (`@cf/meta/llama-3.1-8b-instruct`).
 */
export function runUrl(dep: Deployment, env: Env): string {
  if (dep.apiBase) return `${dep.apiBase.replace(/\/+$/, "")}/${dep.model}`;
  const account =
    text(dep.params.account_id) ?? text(dep.params.cloudflare_account_id) ?? text(env.CLOUDFLARE_ACCOUNT_ID);
  if (!account) {
    throw new GatewayError({
      class: llm.ErrorClass.INTERNAL,
      message: `deployment "${dep.id}" (cloudflare) needs an account_id (or CLOUDFLARE_ACCOUNT_ID) or an api_base`,
      provider: dep.provider,
      deploymentId: dep.id,
    });
  }
  return `https://api.cloudflare.com/client/v4/accounts/${encodeURIComponent(account)}/ai/run/${dep.model}`;
}

export function cloudflareHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}
