// The Topaz Labs adapter: OpenAI's /v1/images/variations served by Topaz's image enhancement
// (`POST https://api.topazlabs.com/image/v1/enhance`, https://developer.topazlabs.com/image-api/enhance), which
// answers with the enhanced image's bytes; the gateway returns them as b64_json. No chat.
import { create } from "@bufbuild/protobuf";
import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { FormData } from "undici";
import { NO_CHAT } from "../audio-only.js";
import { classOfStatus, type ErrorClassifier, unsupportedParam, upstreamError } from "../errors.js";
import { postMedia } from "../http-media.js";
import { asObject, asString, tryParse } from "../json.js";
import type { AttemptContext, ProviderAdapter } from "../types.js";

/** The public API; `api_base` replaces it. */
export const DEFAULT_BASE_URL = "https://api.topazlabs.com/image/v1";

/** `{api_base}/enhance`. */
export function enhanceUrl(deployment: Pick<Deployment, "apiBase">): string {
  const base = (deployment.apiBase || DEFAULT_BASE_URL).replace(/\/+$/, "").replace(/\/enhance$/, "");
  return `${base}/enhance`;
}

/** Topaz errors ({"message": "..."} or {"error": "..."}) classified by status. */
export const classifyTopazError: ErrorClassifier = (failure): GatewayError => {
  const body = asObject(tryParse(failure.body)) ?? {};
  const message = asString(body.message) ?? asString(body.error) ?? asString(body.detail);
  return upstreamError(failure, { message, type: "invalid_request_error" }, classOfStatus(failure.status));
};

/** The enhance form: the image, the Topaz model (the deployment's model) and, for a square size, the output size. */
export function enhanceForm(request: llm.ImageVariationRequest, ctx: AttemptContext): FormData {
  const dep = ctx.deployment;
  const drop = dep.params.drop_params === true;
  if ((request.n ?? 1) > 1 && !drop) throw unsupportedParam(dep, "n", "(Topaz returns one enhanced image)");
  // OpenAI's default is "url"; Topaz hands back the image itself, which only b64_json can carry.
  if (request.responseFormat !== "b64_json" && !drop) {
    throw unsupportedParam(dep, "response_format", '"url" (Topaz returns the image itself: ask for b64_json)');
  }
  const form = new FormData();
  form.append("model", dep.model);
  form.append("image", new Blob([request.image], { type: request.contentType }), request.filename);
  if (request.size) {
    const [width, height] = request.size.split("x");
    form.append("output_width", width ?? "");
    form.append("output_height", height ?? "");
  }
  return form;
}

/** Topaz image enhancement, as image variations. */
export const topazAdapter: ProviderAdapter = Object.freeze({
  info: Object.freeze({
    name: "Topaz Labs",
    docs: "https://developer.topazlabs.com/image-api/enhance",
    capabilities: Object.freeze(["images"] as const),
  }),
  env: { apiKey: ["TOPAZ_API_KEY"], apiBase: ["TOPAZ_API_BASE"] },
  ...NO_CHAT,
  async varyImage(request: llm.ImageVariationRequest, ctx: AttemptContext) {
    const answer = await postMedia(ctx, {
      url: enhanceUrl(ctx.deployment),
      headers: ctx.apiKey ? { "x-api-key": ctx.apiKey, accept: "image/*" } : { accept: "image/*" },
      body: { form: enhanceForm(request, ctx) },
      classify: classifyTopazError,
    });
    return create(llm.ImagesResponseSchema, {
      created: BigInt(Math.floor(Date.now() / 1000)),
      model: ctx.deployment.model,
      data: [create(llm.ImageSchema, { b64Json: answer.bytes.toString("base64") })],
    });
  },
});
