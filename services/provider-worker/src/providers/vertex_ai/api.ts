// Where to call Vertex AI (https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest): Gemini models
// on the `google` publisher's `:generateContent`, Claude models on the `anthropic` publisher's `:rawPredict`
// (https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude), tuned Gemini models on their
// endpoint. Project and location come from LiteLLM's `vertex_project` and `vertex_location` params.

import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { generateMethod } from "../gemini/api.js";

/** LiteLLM's default location. */
export const DEFAULT_LOCATION = "us-central1";

/** Which Vertex API a model is called through. */
export type VertexRoute = "gemini" | "claude";

/** Where one call goes. */
export interface VertexTarget {
  readonly project: string;
  readonly location: string;
}

type Dep = Pick<Deployment, "provider" | "id" | "model" | "apiBase" | "params">;

/** Claude models (`claude-sonnet-4-5@20250929`) go to the Anthropic publisher; Gemini, Gemma and tuned ones to Google. */
export function routeOf(dep: Pick<Deployment, "provider" | "id" | "model">): VertexRoute {
  if (dep.model.startsWith("claude")) return "claude";
  if (dep.model.includes("/")) {
    // Other publishers (meta/llama..., mistral...) speak other formats.
    throw new GatewayError({
      class: llm.ErrorClass.NOT_FOUND,
      message: `${dep.provider}: "${dep.model}" is not a Gemini or Claude model; only those are supported`,
      provider: dep.provider,
      deploymentId: dep.id,
    });
  }
  return "gemini";
}

function param(dep: Pick<Deployment, "params">, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = dep.params[name];
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return undefined;
}

/** `vertex_project` (or LiteLLM's alias `vertex_ai_project`); undefined when the credentials must name it. */
export function configuredProject(dep: Pick<Deployment, "params">): string | undefined {
  return param(dep, "vertex_project", "vertex_ai_project");
}

/** `vertex_location` (or `vertex_ai_location`), else us-central1. */
export function locationOf(dep: Pick<Deployment, "params">): string {
  return param(dep, "vertex_location", "vertex_ai_location") ?? DEFAULT_LOCATION;
}

/** The regional host, or the global one for location `global`. */
export function hostOf(location: string): string {
  return location === "global" ? "https://aiplatform.googleapis.com" : `https://${location}-aiplatform.googleapis.com`;
}

/** The model's resource path below the host: publisher model, or endpoint for a tuned model's numeric id. */
function modelPath(dep: Dep, target: VertexTarget, route: VertexRoute): string {
  const parent = `projects/${target.project}/locations/${target.location}`;
  if (/^\d+$/.test(dep.model)) return `${parent}/endpoints/${dep.model}`;
  const publisher = route === "claude" ? "anthropic" : "google";
  return `${parent}/publishers/${publisher}/models/${dep.model}`;
}

/**
 * The URL of a call. `api_base` may replace the host (`https://proxy.internal`, with or without `/v1`), or, as in
 * LiteLLM, name the model resource itself (`.../models/gemini-2.5-flash`) and get only `:{method}` appended.
 */
export function vertexUrl(dep: Dep, target: VertexTarget, route: VertexRoute, stream: boolean): string {
  const method = route === "claude" ? (stream ? "streamRawPredict" : "rawPredict") : generateMethod(stream);
  const base = (dep.apiBase || hostOf(target.location)).replace(/\/+$/, "");
  if (/\/(models|endpoints)\/[^/]+$/.test(new URL(base).pathname)) return `${base}:${method}`;
  const root = /\/v1(beta1)?$/.test(base) ? base : `${base}/v1`;
  return `${root}/${modelPath(dep, target, route)}:${method}`;
}
