// AWS credentials for SigV4, resolved per attempt in LiteLLM's order (litellm/llms/bedrock/base_aws_llm.py,
// get_credentials): the deployment's own keys, then its web identity (`aws_web_identity_token` + `aws_role_name`), then
// the standard environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN), then IRSA in Kubernetes
// (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN). Web identity calls STS AssumeRoleWithWebIdentity through the AWS SDK's
// own provider; the temporary credentials are cached per role and refreshed before they expire.

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fromWebToken } from "@aws-sdk/credential-provider-web-identity";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import type { DeploymentRef } from "../errors.js";
import type { AttemptContext } from "../types.js";

/** Credentials a request is signed with (structurally the AWS SDK's AwsCredentialIdentity). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** The process environment, or a stand-in for it in tests. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Finds the credentials of one attempt. */
export interface AwsCredentialSource {
  /** Resolves (and, for web identity, caches) the credentials of the attempt's deployment in `region`. */
  resolve(ctx: Pick<AttemptContext, "deployment" | "credentials">, region: string): Promise<AwsCredentials>;
}

/** How a credential source reads its surroundings; every field has a production default. */
export interface AwsCredentialOptions {
  /** Read at every call, so a rotated environment is seen; default process.env. */
  readonly env?: Env;
  /** The clock that decides whether cached credentials are still fresh; default Date.now. */
  readonly now?: () => number;
  /** Connect and response limits of one STS call. */
  readonly stsConnectTimeoutMs?: number;
  readonly stsRequestTimeoutMs?: number;
}

/** Temporary credentials are replaced this long before they expire, so no request is signed with dying ones. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** How long credentials STS returned without an expiration are kept (STS sessions last an hour by default). */
const UNDATED_TTL_MS = 50 * 60_000;
/** The role session name when neither `aws_session_name` nor AWS_ROLE_SESSION_NAME names one. */
export const DEFAULT_SESSION_NAME = "switchyard";

/** LiteLLM auth parameters Switchyard does not implement: a deployment naming one fails instead of signing wrongly. */
const UNSUPPORTED_PARAMS = ["aws_profile_name", "aws_external_id", "aws_session_tags"] as const;

interface WebIdentity {
  readonly roleArn: string;
  readonly sessionName: string;
  /** What identifies the token in the cache key: a hash of a literal token, or the token file's path. */
  readonly tokenKey: string;
  readonly token: () => Promise<string>;
  readonly stsEndpoint?: string;
}

interface CacheEntry {
  credentials?: AwsCredentials;
  expiresAt: number;
  pending?: Promise<AwsCredentials>;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** A deployment whose AWS authentication is set up wrongly on this worker; never retried, logged by the worker. */
export function awsConfigError(dep: DeploymentRef, message: string, cause?: unknown): GatewayError {
  return new GatewayError(
    {
      class: llm.ErrorClass.INTERNAL,
      message: `${dep.provider}: ${message}`,
      provider: dep.provider,
      deploymentId: dep.id,
    },
    { cause },
  );
}

/**
 * The error of a failed AssumeRoleWithWebIdentity: AUTH when STS refused the token or the role, UNAVAILABLE when STS
 * could not be reached or failed. The SDK's message goes to the cause only, without the token.
 */
function stsError(dep: DeploymentRef, err: unknown, token: string): GatewayError {
  const e = (typeof err === "object" && err !== null ? err : {}) as { name?: string; message?: string };
  const name = e.name ?? "Error";
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const refused =
    /InvalidIdentityToken|ExpiredToken|AccessDenied|IDPRejectedClaim|MalformedPolicyDocument|RegionDisabled/.test(
      name,
    ) ||
    status === 400 ||
    status === 403;
  const detail = String(e.message ?? err)
    .split(token)
    .join("[redacted]");
  return new GatewayError(
    {
      class: refused ? llm.ErrorClass.AUTH : llm.ErrorClass.UNAVAILABLE,
      message: `${dep.provider}: STS AssumeRoleWithWebIdentity failed (${name})`,
      provider: dep.provider,
      deploymentId: dep.id,
    },
    { cause: new Error(`${name}: ${detail}`) },
  );
}

/** Creates a credential source with its own cache of temporary credentials. */
export function createAwsCredentialSource(options: AwsCredentialOptions = {}): AwsCredentialSource {
  const env = () => options.env ?? process.env;
  const now = options.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();

  async function assume(dep: DeploymentRef, identity: WebIdentity, region: string): Promise<AwsCredentials> {
    const token = await identity.token();
    const clientConfig = {
      region,
      ...(identity.stsEndpoint ? { endpoint: identity.stsEndpoint } : {}),
      requestHandler: {
        connectionTimeout: options.stsConnectTimeoutMs ?? 5_000,
        requestTimeout: options.stsRequestTimeoutMs ?? 10_000,
      },
    };
    try {
      const provider = fromWebToken({
        roleArn: identity.roleArn,
        roleSessionName: identity.sessionName,
        webIdentityToken: token,
        clientConfig,
      });
      const { accessKeyId, secretAccessKey, sessionToken, expiration } = await provider();
      return {
        accessKeyId,
        secretAccessKey,
        ...(sessionToken ? { sessionToken } : {}),
        ...(expiration ? { expiration } : {}),
      };
    } catch (err) {
      throw stsError(dep, err, token);
    }
  }

  /**
   * Cached credentials while they have more than REFRESH_MARGIN_MS left; else one STS call shared by every concurrent
   * caller. When that call fails, credentials that have not expired yet are still used.
   */
  async function cached(dep: DeploymentRef, identity: WebIdentity, region: string): Promise<AwsCredentials> {
    const key = JSON.stringify([
      identity.roleArn,
      identity.sessionName,
      identity.tokenKey,
      identity.stsEndpoint,
      region,
    ]);
    const entry = cache.get(key) ?? { expiresAt: 0 };
    cache.set(key, entry);
    if (entry.credentials && now() < entry.expiresAt - REFRESH_MARGIN_MS) return entry.credentials;
    entry.pending ??= assume(dep, identity, region)
      .then((credentials) => {
        entry.credentials = credentials;
        entry.expiresAt = credentials.expiration?.getTime() ?? now() + UNDATED_TTL_MS;
        return credentials;
      })
      .finally(() => {
        entry.pending = undefined;
      });
    try {
      return await entry.pending;
    } catch (err) {
      if (entry.credentials && now() < entry.expiresAt) return entry.credentials;
      throw err;
    }
  }

  return {
    async resolve(ctx, region) {
      const plan = credentialPlan(ctx.deployment, ctx.credentials ?? {}, env());
      return "identity" in plan ? cached(ctx.deployment, plan.identity, region) : plan.keys;
    },
  };
}

/** How one attempt gets its credentials: keys as they are, or a role to assume with a web identity. */
type Plan = { readonly keys: AwsCredentials } | { readonly identity: WebIdentity };

type Dep = DeploymentRef & { readonly params: Readonly<Record<string, unknown>> };

function keys(accessKeyId: string, secretAccessKey: string, sessionToken: string | undefined): Plan {
  return { keys: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } };
}

/** IRSA's web identity, when the environment has one (EKS sets both variables in a pod with a service account role). */
function irsa(dep: Dep, env: Env, stsEndpoint: string | undefined): WebIdentity | undefined {
  const file = text(env.AWS_WEB_IDENTITY_TOKEN_FILE);
  const roleArn = text(env.AWS_ROLE_ARN);
  if (!file || !roleArn) return undefined;
  return {
    roleArn,
    sessionName: text(env.AWS_ROLE_SESSION_NAME) ?? text(dep.params.aws_session_name) ?? DEFAULT_SESSION_NAME,
    tokenKey: `file:${file}`,
    // Read at every refresh: the kubelet rotates the projected token.
    token: () =>
      readFile(file, "utf8").then(
        (t) => t.trim(),
        (err: unknown) => Promise.reject(awsConfigError(dep, `cannot read AWS_WEB_IDENTITY_TOKEN_FILE ${file}`, err)),
      ),
    ...(stsEndpoint ? { stsEndpoint } : {}),
  };
}

/** The deployment's own credentials: its keys, or its web identity token and role; undefined when it names none. */
function deploymentPlan(dep: Dep, secrets: Readonly<Record<string, string>>, stsEndpoint: string | undefined) {
  const keyId = text(secrets.aws_access_key_id);
  const secret = text(secrets.aws_secret_access_key);
  if (keyId || secret) {
    if (!keyId || !secret)
      throw awsConfigError(dep, "aws_access_key_id and aws_secret_access_key must be set together");
    return keys(keyId, secret, text(secrets.aws_session_token));
  }
  for (const name of UNSUPPORTED_PARAMS) {
    if (dep.params[name] !== undefined) throw awsConfigError(dep, `${name} is not supported by switchyard`);
  }
  const token = text(secrets.aws_web_identity_token);
  if (!token) return undefined;
  const roleArn = text(dep.params.aws_role_name);
  if (!roleArn) throw awsConfigError(dep, "aws_web_identity_token needs aws_role_name");
  const identity: WebIdentity = {
    roleArn,
    sessionName: text(dep.params.aws_session_name) ?? DEFAULT_SESSION_NAME,
    tokenKey: `sha256:${createHash("sha256").update(token).digest("hex")}`,
    token: async () => token,
    ...(stsEndpoint ? { stsEndpoint } : {}),
  };
  return { identity };
}

/** Picks the credentials of a deployment in LiteLLM's order (see the top of this file); throws when there are none. */
function credentialPlan(dep: Dep, secrets: Readonly<Record<string, string>>, env: Env): Plan {
  const stsEndpoint = text(dep.params.aws_sts_endpoint) ?? text(env.AWS_STS_ENDPOINT);
  const own = deploymentPlan(dep, secrets, stsEndpoint);
  if (own) return own;
  const fromIrsa = irsa(dep, env, stsEndpoint);
  const roleArn = text(dep.params.aws_role_name);
  if (roleArn) {
    // LiteLLM skips AssumeRole when the pod already runs as the role (IRSA); assuming another role is not supported.
    if (fromIrsa?.roleArn === roleArn) return { identity: fromIrsa };
    throw awsConfigError(dep, "aws_role_name needs aws_web_identity_token, or IRSA (AWS_ROLE_ARN) for that role");
  }
  const envKeyId = text(env.AWS_ACCESS_KEY_ID);
  const envSecret = text(env.AWS_SECRET_ACCESS_KEY);
  if (envKeyId && envSecret) return keys(envKeyId, envSecret, text(env.AWS_SESSION_TOKEN));
  if (fromIrsa) return { identity: fromIrsa };
  throw awsConfigError(
    dep,
    "no AWS credentials: set aws_access_key_id and aws_secret_access_key, aws_web_identity_token and aws_role_name, " +
      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (IRSA)",
  );
}

/** The credential source the adapters share by default: one cache of temporary credentials per worker process. */
export const defaultAwsCredentials: AwsCredentialSource = createAwsCredentialSource();
