// Where and how to call Bedrock's Converse API
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html):
// POST {endpoint}/model/{modelId}/converse and /converse-stream, and InvokeModel
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html): /invoke and
// /invoke-with-response-stream, SigV4-signed for the `bedrock` service.

import type { Deployment } from "@switchyard/config";
import type { Env } from "../aws/credentials.js";
import { awsEndpoint, awsRegion } from "../aws/region.js";
import { translationError } from "../errors.js";

/** The SigV4 signing name of Bedrock Runtime. */
export const BEDROCK_SERVICE = "bedrock";

type Dep = Pick<Deployment, "provider" | "id" | "model" | "apiBase" | "params">;

/** A deployment's Bedrock target. */
export interface BedrockTarget {
  readonly api: BedrockApi;
  /** The Bedrock model id, inference profile id or ARN. */
  readonly modelId: string;
  readonly region: string;
  /** The runtime endpoint without a trailing slash. */
  readonly endpoint: string;
}

/** The region of an ARN model id (`arn:aws:bedrock:us-east-1:...`), as LiteLLM reads it. */
function arnRegion(modelId: string): string | undefined {
  const parts = modelId.split(":");
  return parts[0] === "arn" && parts[3] ? parts[3] : undefined;
}

/** Bedrock Runtime's two chat APIs: Converse (model-agnostic) and InvokeModel (the model's native body). */
export type BedrockApi = "converse" | "invoke";

/** Whether a model id (base model, inference profile or ARN) names an Anthropic model. */
function isAnthropic(modelId: string): boolean {
  return /(^|[./])anthropic\./.test(modelId);
}

/**
 * The API and model id of `bedrock/<model>`, `bedrock/converse/<model>` (Converse) and `bedrock/invoke/<model>`
 * (InvokeModel, with Anthropic's Messages body: Anthropic models only), LiteLLM's routes. Model ids never contain a
 * slash except ARNs, so another `<route>/` prefix is one of LiteLLM's other routes (`llama/` ...), which Switchyard
 * does not implement: refused rather than sent under a name Bedrock does not know.
 */
export function routeOf(dep: Dep): { api: BedrockApi; modelId: string } {
  const model = dep.model.trim();
  if (model.startsWith("arn:") || !model.includes("/")) return { api: "converse", modelId: model };
  const slash = model.indexOf("/");
  const route = model.slice(0, slash);
  const rest = model.slice(slash + 1);
  if (route === "converse" && rest !== "") return { api: "converse", modelId: rest };
  if (route === "invoke" && rest !== "") {
    if (isAnthropic(rest)) return { api: "invoke", modelId: rest };
    throw translationError(
      dep,
      `${dep.provider}: the "invoke/" route is supported for Anthropic models; use bedrock/converse/${rest}`,
      "model",
    );
  }
  throw translationError(
    dep,
    `${dep.provider}: the "${route}/" route is not supported; use bedrock/<model>, bedrock/converse/<model> or bedrock/invoke/<anthropic model>`,
    "model",
  );
}

/** The model id a deployment calls (see routeOf). */
export function modelIdOf(dep: Dep): string {
  return routeOf(dep).modelId;
}

/**
 * The target of a deployment. The endpoint is `api_base`, else `aws_bedrock_runtime_endpoint` (param, then the
 * AWS_BEDROCK_RUNTIME_ENDPOINT variable), else `https://bedrock-runtime.<region>.amazonaws.com`, as in LiteLLM.
 */
export function bedrockTarget(dep: Dep, env: Env): BedrockTarget {
  const { api, modelId } = routeOf(dep);
  const region = awsRegion(dep, env, arnRegion(modelId));
  const configured =
    dep.apiBase ||
    (typeof dep.params.aws_bedrock_runtime_endpoint === "string" ? dep.params.aws_bedrock_runtime_endpoint : "") ||
    env.AWS_BEDROCK_RUNTIME_ENDPOINT ||
    awsEndpoint("bedrock-runtime", region);
  return { api, modelId, region, endpoint: configured.replace(/\/+$/, "") };
}

/** Each API's operation for a whole answer and for a stream. */
const OPERATIONS: Readonly<Record<BedrockApi, readonly [string, string]>> = {
  converse: ["converse", "converse-stream"],
  invoke: ["invoke", "invoke-with-response-stream"],
};

/**
 * `{endpoint}/model/{modelId}/converse` or `/converse-stream`, and for InvokeModel `/invoke` or
 * `/invoke-with-response-stream`; the model id is one path segment, ARNs included.
 */
export function bedrockUrl(target: BedrockTarget, stream: boolean): string {
  const [whole, streamed] = OPERATIONS[target.api];
  return `${target.endpoint}/model/${encodeURIComponent(target.modelId)}/${stream ? streamed : whole}`;
}

/**
 * A Bedrock API key, sent as a bearer token instead of a SigV4 signature
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-use.html): the deployment's `api_key`, else the
 * AWS_BEARER_TOKEN_BEDROCK variable as LiteLLM reads it, unless the deployment names AWS credentials of its own.
 */
export function bearerToken(
  dep: Pick<Deployment, "params">,
  apiKey: string | undefined,
  credentials: Readonly<Record<string, string>> | undefined,
  env: Env,
): string | undefined {
  if (apiKey) return apiKey;
  const own =
    credentials?.aws_access_key_id !== undefined ||
    credentials?.aws_web_identity_token !== undefined ||
    dep.params.aws_role_name !== undefined;
  return own ? undefined : env.AWS_BEARER_TOKEN_BEDROCK || undefined;
}
