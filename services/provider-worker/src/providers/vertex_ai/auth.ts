// OAuth access tokens for Vertex AI, minted by google-auth-library from LiteLLM's `vertex_credentials` (a path to,
// or the JSON of, a service-account key, an authorized-user or an external-account configuration) or, when the
// deployment has none, from Application Default Credentials. One auth client per distinct credential lives as
// long as the adapter; the library caches its token and refreshes it five minutes before it expires.

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { GoogleAuth, JWT } from "google-auth-library";
import { abortError, type DeploymentRef } from "../errors.js";
import { asObject, asString, type JsonObject, tryParse } from "../json.js";

/** The scope Vertex AI needs (LiteLLM asks for the same). */
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";

/** The token endpoint google-auth-library posts service-account assertions to. */
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

/** A token request that has not answered by then fails, so a hung endpoint cannot hold every later call. */
const TOKEN_TIMEOUT_MS = 30_000;

/** The part of an auth client used here. */
interface TokenClient {
  getAccessToken(): Promise<{ token?: string | null }>;
}

interface Loaded {
  readonly client: TokenClient;
  /** The project the credentials name; looked up (and remembered) on first use, as ADC may have to ask gcloud. */
  readonly projectId: () => Promise<string | undefined>;
}

/** Options of a token cache; the defaults are the library's. */
export interface VertexAuthOptions {
  /** Refresh a cached token when it expires within this many milliseconds (library default: 5 minutes). */
  readonly eagerRefreshThresholdMillis?: number;
}

/** Access tokens per credential, cached and refreshed by google-auth-library. */
export class VertexAuth {
  private readonly clients = new Map<string, Promise<Loaded>>();

  constructor(private readonly options: VertexAuthOptions = {}) {}

  /**
   * A valid access token for `credentials` (undefined: Application Default Credentials). Fails with AUTH when the
   * credentials cannot be read or are refused, UNAVAILABLE when the token endpoint cannot be reached, and with the
   * attempt's abort when `signal` fires first (the token request goes on, and its token is cached).
   */
  async token(credentials: string | undefined, dep: DeploymentRef, signal: AbortSignal): Promise<string> {
    try {
      const loaded = await raceAbort(this.client(credentials), signal);
      const { token } = await raceAbort(loaded.client.getAccessToken(), signal);
      if (!token) throw new Error("the token endpoint answered without an access token");
      return token;
    } catch (err) {
      if (signal.aborted) throw abortError(dep, signal.reason);
      throw tokenError(dep, err);
    }
  }

  /**
   * The project the credentials name (a key's `project_id`, or what Application Default Credentials find), the
   * fallback when `vertex_project` is unset; undefined when there is none. Call after `token`.
   */
  async projectId(
    credentials: string | undefined,
    dep: DeploymentRef,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    try {
      const loaded = await raceAbort(this.client(credentials), signal);
      return await raceAbort(loaded.projectId(), signal);
    } catch (err) {
      throw signal.aborted ? abortError(dep, signal.reason) : tokenError(dep, err);
    }
  }

  private client(credentials: string | undefined): Promise<Loaded> {
    const key = credentials === undefined ? "adc" : createHash("sha256").update(credentials).digest("hex");
    let loaded = this.clients.get(key);
    if (!loaded) {
      loaded = load(credentials, this.options);
      this.clients.set(key, loaded);
      // A credential that failed to load (a missing file) is read again by the next call.
      loaded.catch(() => this.clients.delete(key));
    }
    return loaded;
  }
}

/** A credential that could not be read; its message never quotes the credential. */
class CredentialError extends Error {}

async function load(credentials: string | undefined, options: VertexAuthOptions): Promise<Loaded> {
  const json = credentials === undefined ? undefined : await readKey(credentials);
  const clientOptions = { transporterOptions: { timeout: TOKEN_TIMEOUT_MS }, ...options };
  const auth = new GoogleAuth({
    scopes: [CLOUD_PLATFORM_SCOPE],
    clientOptions,
    ...(json ? { credentials: json } : {}),
  });
  const client = await auth.getClient();
  // A service-account key, given or found by Application Default Credentials, may name its own token endpoint.
  if (client instanceof JWT) redirectTokenRequests(client, asString(asObject(auth.jsonContent)?.token_uri));
  if (json) {
    const projectId = asString(json.project_id) ?? asString(json.quota_project_id);
    return { client, projectId: async () => projectId };
  }
  let lookup: Promise<string | undefined> | undefined;
  const projectId = () => {
    lookup ??= auth.getProjectId().then(
      (id) => id ?? undefined,
      () => undefined,
    );
    return lookup;
  };
  return { client, projectId };
}

/** `vertex_credentials` as LiteLLM reads it: JSON text, or the path of a JSON file. */
async function readKey(credentials: string): Promise<JsonObject> {
  const text = credentials.trim().startsWith("{")
    ? credentials
    : await readFile(credentials.trim(), "utf8").catch(() => {
        throw new CredentialError("vertex_credentials is neither JSON nor the path of a readable file");
      });
  const json = asObject(tryParse(text));
  if (!json) throw new CredentialError("vertex_credentials is not a JSON object");
  return json;
}

/**
 * google-auth-library posts service-account assertions to Google's endpoint whatever the key's `token_uri` says;
 * Google's Python library (and so LiteLLM) uses `token_uri`. Honouring it keeps keys for private endpoints and
 * test token servers working.
 */
function redirectTokenRequests(client: JWT, tokenUri: string | undefined): void {
  if (!tokenUri || tokenUri === GOOGLE_TOKEN_URL) return;
  client.transporter.interceptors.request.add({
    resolved: async (config) => {
      if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(tokenUri);
      return config;
    },
  });
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * The classified error of a failed token request. The message names at most the OAuth error code; the cause is
 * rebuilt from the status, code and description, never the library's error object, whose request holds the signed
 * assertion (itself a credential for an hour).
 */
function tokenError(dep: DeploymentRef, err: unknown): GatewayError {
  const base = { provider: dep.provider, deploymentId: dep.id };
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof CredentialError) {
    return new GatewayError({ ...base, class: llm.ErrorClass.AUTH, message: `${dep.provider}: ${message}` });
  }
  if (/could not load the default credentials/i.test(message)) {
    const text = `${dep.provider}: no vertex_credentials and no Application Default Credentials`;
    return new GatewayError({ ...base, class: llm.ErrorClass.AUTH, message: text });
  }
  const response = asObject(asObject(err)?.response);
  const status = typeof response?.status === "number" ? response.status : undefined;
  const data = asObject(response?.data);
  const code = asString(data?.error);
  const detail = [status, code, asString(data?.error_description), asString(asObject(err)?.code)];
  const cause = new Error(`token request failed: ${detail.filter((d) => d !== undefined).join(" ")}`);
  if (status === undefined) {
    const text = `${dep.provider}: could not get an access token from Google`;
    return new GatewayError({ ...base, class: llm.ErrorClass.UNAVAILABLE, message: text }, { cause });
  }
  if (status === 429 || status >= 500) {
    const cls = status === 429 ? llm.ErrorClass.RATE_LIMITED : llm.ErrorClass.UNAVAILABLE;
    const text = `${dep.provider}: the Google token endpoint failed (HTTP ${status})`;
    return new GatewayError({ ...base, class: cls, message: text }, { cause });
  }
  const text = `${dep.provider}: Google refused the deployment's credentials${code ? ` (${code})` : ""}`;
  return new GatewayError({ ...base, class: llm.ErrorClass.AUTH, message: text }, { cause });
}
