// Where and how to call Replicate's predictions API (https://replicate.com/docs/reference/http): which create endpoint a
// LiteLLM model string leads to, the headers, and which prediction URLs may be sent the deployment's token.

import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { misconfigured } from "../errors.js";

/** The API root when the deployment sets no `api_base` (and REPLICATE_API_BASE is unset), as in LiteLLM. */
export const DEFAULT_API_BASE = "https://api.replicate.com/v1";

/**
 * What a model string names: an official model (`owner/name`, `models.predictions.create`), a version of a model
 * (`owner/name:<version>` or a bare 64-hex version id, `predictions.create`), or a deployment
 * (`deployments/owner/name`, `deployments.predictions.create`).
 */
export type ModelRef =
  | { readonly kind: "model"; readonly owner: string; readonly name: string }
  | { readonly kind: "version"; readonly version: string }
  | { readonly kind: "deployment"; readonly owner: string; readonly name: string };

const VERSION_ID = /^[0-9a-f]{64}$/;
const SEGMENT = /^[A-Za-z0-9][\w.-]*$/;

function ownerName(dep: Deployment, path: string): { owner: string; name: string } {
  const [owner, name, ...rest] = path.split("/");
  if (!owner || !name || rest.length > 0 || !SEGMENT.test(owner) || !SEGMENT.test(name)) {
    throw misconfigured(dep, `needs a model "owner/name", "owner/name:<version>" or "deployments/owner/name"`);
  }
  return { owner, name };
}

/** Reads the deployment's `model` (what follows `replicate/`). */
export function modelRefOf(dep: Deployment): ModelRef {
  const model = dep.model.trim();
  if (model.startsWith("deployments/")) return { kind: "deployment", ...ownerName(dep, model.slice(12)) };
  if (VERSION_ID.test(model)) return { kind: "version", version: model };
  const colon = model.lastIndexOf(":");
  if (colon < 0) return { kind: "model", ...ownerName(dep, model) };
  ownerName(dep, model.slice(0, colon));
  const version = model.slice(colon + 1);
  if (!version) throw misconfigured(dep, `names no version after ":" in "${model}"`);
  return { kind: "version", version };
}

/** The API root without a trailing slash. */
export function apiBaseOf(dep: Pick<Deployment, "apiBase">): string {
  return (dep.apiBase?.trim() || DEFAULT_API_BASE).replace(/\/+$/, "");
}

/** The create endpoint of the model string. */
export function createUrl(dep: Deployment, ref: ModelRef = modelRefOf(dep)): string {
  const base = apiBaseOf(dep);
  const path = (owner: string, name: string) => `${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  switch (ref.kind) {
    case "model":
      return `${base}/models/${path(ref.owner, ref.name)}/predictions`;
    case "deployment":
      return `${base}/deployments/${path(ref.owner, ref.name)}/predictions`;
    case "version":
      return `${base}/predictions`;
  }
}

/** The deployment's credential as Replicate takes it. */
export function authHeaders(dep: Pick<Deployment, "provider" | "id">, apiKey: string | undefined) {
  if (!apiKey) {
    throw misconfigured(dep, "has no api_key (REPLICATE_API_KEY or REPLICATE_API_TOKEN)", llm.ErrorClass.AUTH);
  }
  return { authorization: `Bearer ${apiKey}` };
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * The prediction's `urls.get` / `urls.cancel` when they are on the API's own origin, else the same route under the API
 * root: the token only ever goes where the deployment points (a poisoned answer cannot redirect it elsewhere).
 */
export function predictionUrl(dep: Deployment, id: string, given: string | undefined, suffix = ""): string {
  const base = apiBaseOf(dep);
  const url = given ? parse(given) : undefined;
  if (url && url.origin === parse(base)?.origin) return url.href;
  return `${base}/predictions/${encodeURIComponent(id)}${suffix}`;
}

/**
 * Whether a `urls.stream` may be opened with the token: Replicate serves streams from its own hosts
 * (`streaming-api.svc.<cluster>.c.replicate.net`, formerly `*.replicate.com`), over https; a proxy in `api_base` may
 * serve them from its own origin.
 */
export function isTrustedStreamUrl(dep: Deployment, stream: string): boolean {
  const url = parse(stream);
  if (!url) return false;
  if (url.origin === parse(apiBaseOf(dep))?.origin) return true;
  const host = url.hostname;
  return url.protocol === "https:" && (host.endsWith(".replicate.net") || host.endsWith(".replicate.com"));
}
