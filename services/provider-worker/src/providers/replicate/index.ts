// The Replicate adapter (`replicate/<owner>/<model>`, `replicate/<owner>/<model>:<version>`,
// `replicate/deployments/<owner>/<name>`): language models run as predictions. A non-streamed call creates the
// prediction in sync mode (`Prefer: wait`) and polls it while it still runs; a streamed one creates it with
// `stream: true` and reads its `urls.stream` server-sent events. Translation in chat-request and chat-response; the
// polling, stream and cancel I/O in predictions; the create POST here.

import type { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { malformedUpstream } from "../errors.js";
import { postJson, redactAll } from "../http.js";
import { asObject, asString, tryParse } from "../json.js";
import { readSse } from "../sse.js";
import type { AttemptContext, ProviderAdapter, ProviderInfo } from "../types.js";
import { authHeaders, createUrl, isTrustedStreamUrl, modelRefOf } from "./api.js";
import { toReplicateInput } from "./chat-request.js";
import {
  finishOf,
  fromPrediction,
  outputText,
  type Prediction,
  parsePrediction,
  ReplicateChunks,
  usageOf,
} from "./chat-response.js";
import { classifyReplicateError, predictionError, streamErrorText } from "./errors.js";
import { cancelPrediction, finishedPrediction, openStream, type PollOptions, settle } from "./predictions.js";

/** How the adapter polls; every field has a production default. */
export interface ReplicateOptions {
  /** The first wait before polling a running prediction; default 500 ms, doubled after each poll. */
  readonly pollInitialMs?: number;
  /** The longest wait between two polls; default 2 s. */
  readonly pollMaxMs?: number;
}

/** The deadline of a non-streamed call when neither the router nor the deployment sets one (LiteLLM's 600 s). */
const DEFAULT_ATTEMPT_MS = 600_000;

/** The error of a prediction that ended without succeeding. */
function failed(p: Prediction, ctx: AttemptContext): GatewayError {
  return predictionError(ctx.deployment, p.status, redactAll(p.error, ctx), p.id);
}

/** The absolute time a call that polls must end by. */
function deadlineOf(ctx: AttemptContext): number {
  return Date.now() + (ctx.timeouts?.attemptMs ?? ctx.deployment.timeoutMs ?? DEFAULT_ATTEMPT_MS);
}

/**
 * Reads `urls.stream`: `output` events are text pieces, `done` ends it (`{"reason": "canceled" | "error"}` when the
 * prediction did not succeed), `error` fails it. Returns the finished prediction, read after `done` for its metrics
 * (undefined when it could not be read). A prediction left unfinished (the client went away, the stream broke or was
 * left early) is canceled.
 */
async function* streamed(
  ctx: AttemptContext,
  p: Prediction,
  url: string,
  headers: Readonly<Record<string, string>>,
  chunks: ReplicateChunks,
): AsyncGenerator<llm.ChatCompletionChunk, Prediction | undefined> {
  const dep = ctx.deployment;
  let settled = false;
  try {
    if (!isTrustedStreamUrl(dep, url)) throw malformedUpstream(dep, "urls.stream is not a Replicate host");
    const upstream = await openStream(ctx, url, headers);
    const events = readSse(upstream.body, {
      fail: upstream.fail,
      errorEvent: (data) => {
        settled = true;
        return predictionError(dep, "failed", redactAll(streamErrorText(data), ctx), p.id);
      },
      tooLarge: () => malformedUpstream(dep, "stream event too large"),
    });
    let reason = "";
    for await (const event of events) {
      if (event.event === "output") {
        const chunk = chunks.text(event.data);
        if (chunk) yield chunk;
      } else if (event.event === "done") {
        settled = true;
        reason = asString(asObject(tryParse(event.data))?.reason) ?? "";
        break;
      }
    }
    if (!settled) throw malformedUpstream(dep, "stream ended before its done event");
    const final = await finishedPrediction(ctx, p, headers);
    const ended = final?.status === "failed" || final?.status === "canceled" ? final.status : undefined;
    if (ended || reason === "error" || reason === "canceled") {
      throw failed({ ...(final ?? p), status: ended ?? (reason === "error" ? "failed" : "canceled") }, ctx);
    }
    return final;
  } finally {
    if (!settled) void cancelPrediction(ctx, p, headers);
  }
}

/** For a model without streaming output (no `urls.stream`): its whole answer as one piece once it is done. */
async function* whole(
  ctx: AttemptContext,
  p: Prediction,
  headers: Readonly<Record<string, string>>,
  chunks: ReplicateChunks,
  poll: PollOptions,
): AsyncGenerator<llm.ChatCompletionChunk, Prediction> {
  const done = await settle(ctx, p, headers, deadlineOf(ctx), poll);
  if (done.status !== "succeeded") throw failed(done, ctx);
  const piece = chunks.text(outputText(done.output));
  if (piece) yield piece;
  return done;
}

/** A Replicate adapter; `options` tune the polling (the specs poll fast). */
export function createReplicateAdapter(options: ReplicateOptions = {}): ProviderAdapter {
  const poll: PollOptions = { initialMs: options.pollInitialMs ?? 500, maxMs: options.pollMaxMs ?? 2_000 };

  /** POSTs the prediction: `{input}` to the model's or deployment's route, `{version, input}` to `/predictions`. */
  const create = async (request: llm.ChatCompletionRequest, ctx: AttemptContext, stream: boolean) => {
    const dep = ctx.deployment;
    const ref = modelRefOf(dep);
    const { input, maxTokens } = toReplicateInput(request, ctx);
    const headers = authHeaders(dep, ctx.apiKey);
    const body = { ...(ref.kind === "version" ? { version: ref.version } : {}), input, ...(stream ? { stream } : {}) };
    const json = await postJson(ctx, {
      url: createUrl(dep, ref),
      // Sync mode holds the request open until the prediction finishes or 60 s pass.
      headers: stream ? headers : { ...headers, prefer: "wait" },
      body,
      classify: classifyReplicateError,
    });
    return { prediction: parsePrediction(json, dep), headers, maxTokens };
  };

  const chat = async (request: llm.ChatCompletionRequest, ctx: AttemptContext): Promise<llm.ChatCompletion> => {
    const deadline = deadlineOf(ctx);
    const { prediction, headers, maxTokens } = await create(request, ctx, false);
    const done = await settle(ctx, prediction, headers, deadline, poll);
    if (done.status !== "succeeded") throw failed(done, ctx);
    return fromPrediction(done, request, maxTokens, ctx.deployment.model);
  };

  /** Streams the prediction's output as chunks, then the finish reason and the usage from its metrics. */
  async function* streamChat(
    request: llm.ChatCompletionRequest,
    ctx: AttemptContext,
  ): AsyncGenerator<llm.ChatCompletionChunk> {
    const { prediction: p, headers, maxTokens } = await create(request, ctx, true);
    if (p.status === "failed" || p.status === "canceled") throw failed(p, ctx);
    const chunks = new ReplicateChunks(p.id, p.created, p.model ?? ctx.deployment.model);
    const final = p.urls.stream
      ? yield* streamed(ctx, p, p.urls.stream, headers, chunks)
      : yield* whole(ctx, p, headers, chunks, poll);
    yield* chunks.finish(finishOf(final, maxTokens), await usageOf(final, request, chunks.pieces.join("")));
  }

  return Object.freeze({
    info: Object.freeze<ProviderInfo>({
      name: "Replicate",
      docs: "https://replicate.com/docs/reference/http#predictions.create",
      capabilities: Object.freeze(["chat", "stream"] as const),
    }),
    // LiteLLM reads these when a deployment sets no api_key / api_base (litellm/main.py, replicate branch).
    env: { apiKey: ["REPLICATE_API_KEY", "REPLICATE_API_TOKEN"], apiBase: ["REPLICATE_API_BASE"] },
    chat,
    streamChat,
  });
}

/** The production adapter. */
export const replicateAdapter: ProviderAdapter = createReplicateAdapter();
