// Where and how to call a SageMaker real-time endpoint (InvokeEndpoint and InvokeEndpointWithResponseStream,
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html): POST
// {runtime}/endpoints/{endpoint}/invocations or /invocations-response-stream, SigV4-signed for `sagemaker`.

import type { Deployment } from "@switchyard/config";
import type { Env } from "../aws/credentials.js";
import { awsEndpoint, awsRegion } from "../aws/region.js";

/** The SigV4 signing name of the SageMaker Runtime. */
export const SAGEMAKER_SERVICE = "sagemaker";

type Dep = Pick<Deployment, "provider" | "id" | "model" | "apiBase" | "params">;

/** A deployment's endpoint. */
export interface SagemakerTarget {
  /** The SageMaker endpoint name: the model string after `sagemaker/`. */
  readonly endpointName: string;
  readonly region: string;
  /** The full URL of the call. */
  readonly url: string;
  /** `X-Amzn-SageMaker-Inference-Component` for endpoints hosting several models (LiteLLM's `model_id`). */
  readonly headers: Readonly<Record<string, string>>;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * The call target. The URL is LiteLLM's `sagemaker_base_url` when set (used as is for both calls, as LiteLLM does),
 * else `{api_base or https://runtime.sagemaker.<region>.amazonaws.com}/endpoints/<endpoint>/invocations` and
 * `.../invocations-response-stream` for streams.
 */
export function sagemakerTarget(dep: Dep, env: Env, stream: boolean): SagemakerTarget {
  const endpointName = dep.model.trim();
  const region = awsRegion(dep, env);
  const base = (dep.apiBase || awsEndpoint("runtime.sagemaker", region)).replace(/\/+$/, "");
  const path = `/endpoints/${encodeURIComponent(endpointName)}/${stream ? "invocations-response-stream" : "invocations"}`;
  const url = text(dep.params.sagemaker_base_url) ?? `${base}${path}`;
  const component = text(dep.params.model_id);
  const headers: Record<string, string> = component ? { "x-amzn-sagemaker-inference-component": component } : {};
  return { endpointName, region, url, headers };
}
