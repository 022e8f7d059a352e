// OpenAI's image wire formats (https://platform.openai.com/docs/api-reference/images) <-> the canonical
// switchyard.llm.v1 image messages: generations (JSON in), variations (multipart in), ImagesResponse out.
import { create } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { clientFields as f, upstreamFields as u } from "./fields.js";
import { type Form, formEnum, formFile, formInteger, formRequired, formString } from "./form.js";
import { findHazard, isObject, itemPath, type JsonObject } from "./json.js";
import { parseFallbacks, parseMetadata } from "./request-parse.js";

const RESPONSE_FORMATS = ["url", "b64_json"];
const QUALITIES = ["standard", "hd", "low", "medium", "high", "auto"];
const STYLES = ["vivid", "natural"];
const VARIATION_SIZES = ["256x256", "512x512", "1024x1024"];
/** OpenAI's limit on images per request. */
export const MAX_IMAGES = 10;
/** OpenAI's longest prompt (GPT image models). */
const MAX_PROMPT = 32_000;

function oneOf(body: JsonObject, key: string, allowed: readonly string[]): string {
  const value = f.string(body, key, "") ?? "";
  if (value !== "" && !allowed.includes(value)) {
    throw f.fail(key, `expected one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
  }
  return value;
}

/** Validates an OpenAI image generation body; throws GatewayError naming the field. */
export function parseImageGenerationRequest(body: unknown): llm.ImageGenerationRequest {
  if (!isObject(body)) throw f.fail("request body", "expected a JSON object");
  const hazard = findHazard(body);
  if (hazard !== undefined) throw f.fail(hazard.path, hazard.problem);
  const model = f.requiredString(body, "model", "");
  if (model === "") throw f.fail("model", "required");
  const prompt = f.requiredString(body, "prompt", "");
  if (prompt === "") throw f.fail("prompt", "expected a non-empty string");
  if (prompt.length > MAX_PROMPT) throw f.fail("prompt", `expected at most ${MAX_PROMPT} characters`);
  const size = f.string(body, "size", "") ?? "";
  if (size !== "" && size !== "auto" && !/^\d{2,4}x\d{2,4}$/.test(size))
    throw f.fail("size", 'expected "WIDTHxHEIGHT"');
  const n = f.integer(body, "n", "", 1, MAX_IMAGES);
  return create(llm.ImageGenerationRequestSchema, {
    model,
    prompt,
    ...(n === undefined ? {} : { n }),
    size,
    quality: oneOf(body, "quality", QUALITIES),
    style: oneOf(body, "style", STYLES),
    responseFormat: oneOf(body, "response_format", RESPONSE_FORMATS),
    user: f.string(body, "user", "") ?? "",
    ...parseMetadata(body),
    fallbacks: parseFallbacks(body),
  });
}

/** Validates an OpenAI image variation form (image, model, n, size, response_format, user). */
export function parseImageVariationForm(form: Form): llm.ImageVariationRequest {
  const image = formFile(form, "image");
  const n = formInteger(form, "n", 1, MAX_IMAGES);
  return create(llm.ImageVariationRequestSchema, {
    model: formRequired(form, "model"),
    image: image.data,
    filename: image.filename || "image.png",
    contentType: image.contentType || "image/png",
    ...(n === undefined ? {} : { n }),
    size: formEnum(form, "size", VARIATION_SIZES),
    responseFormat: formEnum(form, "response_format", RESPONSE_FORMATS),
    user: formString(form, "user") ?? "",
  });
}

/** The exact body sent to an OpenAI-compatible `/images/generations`, with the deployment's upstream model. */
export function imageGenerationToJson(req: llm.ImageGenerationRequest, model: string): JsonObject {
  const body: JsonObject = { model, prompt: req.prompt };
  if (req.n !== undefined) body.n = req.n;
  if (req.size) body.size = req.size;
  if (req.quality) body.quality = req.quality;
  if (req.style) body.style = req.style;
  if (req.responseFormat) body.response_format = req.responseFormat;
  if (req.user) body.user = req.user;
  return body;
}

/** Reads an upstream's OpenAI ImagesResponse; a malformed one is UNAVAILABLE (retryable). */
export function parseImagesResponse(json: unknown, model: string): llm.ImagesResponse {
  const body = u.item(json, "response");
  const data = u.array(body, "data", "") ?? [];
  const created = u.integer(body, "created", "", 0, Number.MAX_SAFE_INTEGER) ?? Math.floor(Date.now() / 1000);
  return create(llm.ImagesResponseSchema, {
    created: BigInt(created),
    model,
    data: data.map((raw, i) => {
      const item = u.item(raw, itemPath("data", i));
      return create(llm.ImageSchema, {
        url: u.string(item, "url", itemPath("data", i)) ?? "",
        b64Json: u.string(item, "b64_json", itemPath("data", i)) ?? "",
        revisedPrompt: u.string(item, "revised_prompt", itemPath("data", i)) ?? "",
      });
    }),
  });
}

/** The client's answer, as OpenAI renders ImagesResponse. */
export function renderImagesResponse(res: llm.ImagesResponse): string {
  return JSON.stringify({
    created: Number(res.created),
    data: res.data.map((image) => ({
      ...(image.url ? { url: image.url } : {}),
      ...(image.b64Json ? { b64_json: image.b64Json } : {}),
      ...(image.revisedPrompt ? { revised_prompt: image.revisedPrompt } : {}),
    })),
  });
}
