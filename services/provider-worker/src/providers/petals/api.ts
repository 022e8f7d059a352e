// Where to call Petals: the HTTP API of a chat.petals.dev server (https://github.com/petals-infra/chat.petals.dev#http-api-apiv1),
// `POST /api/v1/generate` with a form body, as LiteLLM calls it. `api_base` (or PETALS_API_BASE) is that endpoint's full
// URL, used as is; unset, the public swarm's. The API has no authentication.

import type { Deployment } from "@switchyard/config";

/** The public swarm's generate endpoint, LiteLLM's default. */
export const DEFAULT_GENERATE_URL = "https://chat.petals.dev/api/v1/generate";

/** The deployment's generate endpoint. */
export function generateUrl(dep: Pick<Deployment, "apiBase">): string {
  return dep.apiBase || DEFAULT_GENERATE_URL;
}
