// OpenAI's audio and image routes: `POST /v1/audio/transcriptions` and `/v1/images/variations` (multipart uploads),
// `/v1/audio/speech` (binary audio answer) and `/v1/images/generations`. One router call each; the cost in headers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { fromBinary } from "@bufbuild/protobuf";
import {
  type Form,
  parseImageVariationForm,
  parseTranscriptionForm,
  renderImagesResponse,
  renderTranscription,
} from "@switchyard/openai";
import { llm, router } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { noteCaller } from "./access.js";
import { type Authenticator, bearer } from "./auth.js";
import { costHeaders, routeHeaders } from "./chat-rest.js";
import { sendError, sendJson } from "./http-io.js";
import { readForm } from "./multipart.js";
import { parseTags, TAGS_HEADER } from "./tags.js";
import type { CallContext, RouterClient } from "./upstream.js";

type Headers = Record<string, string>;

/**
 * Reads and authenticates a multipart model call: the key is checked before the body is read (a wrong key is a 401
 * whatever the upload), the form is read within `maxBodyBytes`, then the model is authorized and the form validated.
 */
export async function formCall<T>(
  auth: Authenticator,
  maxBodyBytes: number,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  parse: (form: Form) => T & { model: string },
): Promise<[T & { model: string }, CallContext]> {
  const credential = bearer(req.headers.authorization);
  await auth.authenticate(credential, "").catch((err: unknown) => {
    req.resume();
    throw err;
  });
  const form = await readForm(req, maxBodyBytes);
  const model = form.fields.get("model")?.at(-1) ?? "";
  const principal = await auth.authenticate(credential, model);
  noteCaller(res, principal, model);
  const request = parse(form);
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return [request, { requestId, principal, tags: parseTags(req.headers[TAGS_HEADER]), signal: controller.signal }];
}

async function serve(res: ServerResponse, headers: Headers, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    sendError(res, err, routeHeaders(err instanceof GatewayError ? err.meta : undefined, headers));
  }
}

function noAnswer(what: string): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: `upstream returned no ${what}` });
}

/** Serves a transcription in the client's response_format (JSON, or text/srt/vtt as text/plain). */
export function serveTranscription(
  res: ServerResponse,
  routerClient: RouterClient,
  request: llm.TranscriptionRequest,
  ctx: CallContext,
  headers: Headers,
): Promise<void> {
  return serve(res, headers, async () => {
    const result = await routerClient.transcribe(request, ctx);
    const { response, charge } = fromBinary(router.TranscribeResponseSchema, result.value);
    if (!response) throw noAnswer("transcription");
    const out = Object.assign(routeHeaders(result.headers, headers), costHeaders(charge));
    const { contentType, body } = renderTranscription(response, request.responseFormat);
    res.writeHead(200, { ...out, "content-type": contentType, "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
}

/** Serves spoken audio as a binary body with its content type. */
export function serveSpeech(
  res: ServerResponse,
  routerClient: RouterClient,
  request: llm.SpeechRequest,
  ctx: CallContext,
  headers: Headers,
): Promise<void> {
  return serve(res, headers, async () => {
    const result = await routerClient.speak(request, ctx);
    const { response, charge } = fromBinary(router.SpeakResponseSchema, result.value);
    if (!response) throw noAnswer("audio");
    const out = Object.assign(routeHeaders(result.headers, headers), costHeaders(charge));
    const audio = response.audio;
    res.writeHead(200, {
      ...out,
      "content-type": response.contentType || "application/octet-stream",
      "content-length": audio.length,
    });
    res.end(audio);
  });
}

/** Serves generated images or image variations as OpenAI's ImagesResponse. */
export function serveImages(
  res: ServerResponse,
  call: () => ReturnType<RouterClient["generateImages"]>,
  headers: Headers,
): Promise<void> {
  return serve(res, headers, async () => {
    const result = await call();
    const { response, charge } = fromBinary(router.GenerateImagesResponseSchema, result.value);
    if (!response) throw noAnswer("images");
    const out = Object.assign(routeHeaders(result.headers, headers), costHeaders(charge));
    sendJson(res, 200, renderImagesResponse(response), out);
  });
}

/** `POST /v1/audio/transcriptions`. */
export async function transcriptions(
  deps: { auth: Authenticator; router: RouterClient; maxBodyBytes: number },
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  headers: Headers,
): Promise<void> {
  const [request, ctx] = await formCall(deps.auth, deps.maxBodyBytes, req, res, requestId, parseTranscriptionForm);
  await serveTranscription(res, deps.router, request, ctx, headers);
}

/** `POST /v1/images/variations`. */
export async function imageVariations(
  deps: { auth: Authenticator; router: RouterClient; maxBodyBytes: number },
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  headers: Headers,
): Promise<void> {
  const [request, ctx] = await formCall(deps.auth, deps.maxBodyBytes, req, res, requestId, parseImageVariationForm);
  await serveImages(res, () => deps.router.varyImage(request, ctx), headers);
}
