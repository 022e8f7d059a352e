// Where an AWS deployment is: its region, as LiteLLM resolves it (aws_region_name, then AWS_REGION_NAME / AWS_REGION,
// default us-west-2; litellm/llms/bedrock/base_aws_llm.py, _get_aws_region_name), and the service host in that region.

import type { Deployment } from "@switchyard/config";
import { translationError } from "../errors.js";
import type { Env } from "./credentials.js";

/** LiteLLM's region when nothing names one. */
export const DEFAULT_REGION = "us-west-2";

/** Region names are lowercase letters, digits and hyphens (us-east-1, cn-north-1); anything else cannot be a host. */
const REGION = /^[a-z0-9-]+$/;

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * The region of a deployment: `aws_region_name`, then `fromModel` (the region of an ARN model id), then the
 * environment's AWS_REGION, AWS_REGION_NAME and AWS_DEFAULT_REGION, then us-west-2. Throws INVALID_REQUEST for a
 * value that is not a region name.
 */
export function awsRegion(dep: Pick<Deployment, "provider" | "id" | "params">, env: Env, fromModel?: string): string {
  const region =
    text(dep.params.aws_region_name) ??
    fromModel ??
    text(env.AWS_REGION) ??
    text(env.AWS_REGION_NAME) ??
    text(env.AWS_DEFAULT_REGION) ??
    DEFAULT_REGION;
  if (!REGION.test(region)) {
    throw translationError(dep, `${dep.provider}: aws_region_name must be an AWS region name`, "aws_region_name");
  }
  return region;
}

/** `https://<service>.<region>.amazonaws.com`, with the `.com.cn` suffix of the China partition. */
export function awsEndpoint(servicePrefix: string, region: string): string {
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return `https://${servicePrefix}.${region}.${suffix}`;
}
