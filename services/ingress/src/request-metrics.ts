// The gateway's request metrics as its clients see it, named after the OpenTelemetry GenAI model-server metrics in
// their Prometheus form: request duration of every chat completion and embedding (REST and gRPC) and time to first
// token of streamed completions, by operation, model group, serving deployment and status. Labels are bounded by the config: a model name no group serves is "unknown",
// a request no deployment served has deployment "none". Never key, user or request ids.

import type { Deployment } from "@switchyard/config";
import type { llm } from "@switchyard/proto";
import { type connect, type Encoded, GatewayError, Gauge, Histogram, type Registry } from "@switchyard/runtime";
import type { CallContext, RouterClient } from "./upstream.js";

/** Bucket boundaries the GenAI semantic conventions give for gen_ai.server.request.duration (seconds). */
export const REQUEST_DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/** ... and for gen_ai.server.time_to_first_token (seconds). */
export const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const LABELS = ["gen_ai_operation_name", "gen_ai_request_model", "deployment", "status", "stream"] as const;
type Label = (typeof LABELS)[number];

/** The ingress's metrics on one registry. */
export interface IngressMetrics {
  /** `gen_ai_server_request_duration_seconds`: one observation per chat completion, when it ends. */
  readonly duration: Histogram<Label>;
  /** `gen_ai_server_time_to_first_token_seconds`: streamed completions, when their first chunk leaves the router. */
  readonly ttft: Histogram<TtftLabel>;
  /** `switchyard_ingress_requests_in_flight`: HTTP and gRPC requests being served (the HPA's per-pod metric). */
  readonly inFlight: Gauge;
}

type TtftLabel = "gen_ai_operation_name" | "gen_ai_request_model" | "deployment";
const TTFT_LABELS: readonly TtftLabel[] = ["gen_ai_operation_name", "gen_ai_request_model", "deployment"];

const byRegistry = new WeakMap<Registry, IngressMetrics>();

/** The ingress metrics of `registry`, registered on first use. */
export function ingressMetrics(registry: Registry): IngressMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;
  const registers = [registry];
  const duration = new Histogram({
    name: "gen_ai_server_request_duration_seconds",
    help: "Chat completions and embeddings served, from request to last byte, by model group, deployment and status.",
    labelNames: LABELS,
    buckets: REQUEST_DURATION_BUCKETS,
    registers,
  });
  const ttft = new Histogram({
    name: "gen_ai_server_time_to_first_token_seconds",
    help: "Time to the first chunk of streamed chat completions, by model group and serving deployment.",
    labelNames: TTFT_LABELS,
    buckets: TTFT_BUCKETS,
    registers,
  });
  const metrics: IngressMetrics = {
    duration,
    ttft,
    inFlight: new Gauge({
      name: "switchyard_ingress_requests_in_flight",
      help: "HTTP and gRPC requests this ingress is serving now.",
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}

/** Maps what a request named and what served it to bounded label values. */
export interface ModelLabels {
  /** The model group label: the requested name when it is a group, else the serving deployment's group, else "unknown". */
  group(requested: string, deploymentId: string): string;
  /** The deployment label: a configured deployment id, else "none". */
  deployment(deploymentId: string | undefined): string;
}

/** Label values from the config's deployments. */
export function modelLabels(deployments: readonly Deployment[]): ModelLabels {
  const groupOf = new Map(deployments.map((d) => [d.id, d.modelName]));
  const groups = new Set(groupOf.values());
  return {
    group: (requested, deploymentId) => (groups.has(requested) ? requested : (groupOf.get(deploymentId) ?? "unknown")),
    deployment: (id) => (id !== undefined && groupOf.has(id) ? id : "none"),
  };
}

const DEPLOYMENT_HEADER = "x-switchyard-deployment";
const CHAT = "chat";
/** GenAI semantic conventions' name for legacy text completions. */
const TEXT_COMPLETION = "text_completion";

/** Records one finished request. */
function observe(
  metrics: IngressMetrics,
  labels: ModelLabels,
  operation: string,
  model: string,
  deploymentId: string | undefined,
  status: number,
  stream: boolean,
  startedAt: number,
): void {
  const deployment = labels.deployment(deploymentId);
  metrics.duration.observe(
    {
      gen_ai_operation_name: operation,
      gen_ai_request_model: labels.group(model, deployment),
      deployment,
      status: String(status),
      stream: stream ? "true" : "false",
    },
    (performance.now() - startedAt) / 1000,
  );
}

function failure(err: unknown): [string | undefined, number] {
  const error = GatewayError.from(err);
  return [error.meta[DEPLOYMENT_HEADER], error.detail.httpStatus || 500];
}

/**
 * Wraps the router client so every chat completion and embedding, REST or gRPC, is measured: duration until the answer
 * (or the stream's end), and a stream's time to its first message. Responses and errors pass through untouched.
 */
export function measureRouter(inner: RouterClient, metrics: IngressMetrics, labels: ModelLabels): RouterClient {
  const unary =
    <R extends { model: string }>(operation: string, call: (request: R, ctx: CallContext) => Promise<Unary>) =>
    async (request: R, ctx: CallContext): Promise<Unary> => {
      const startedAt = performance.now();
      try {
        const result = await call(request, ctx);
        observe(metrics, labels, operation, request.model, result.headers[DEPLOYMENT_HEADER], 200, false, startedAt);
        return result;
      } catch (err) {
        const [deployment, status] = failure(err);
        observe(metrics, labels, operation, request.model, deployment, status, false, startedAt);
        throw err;
      }
    };
  return {
    ...inner,
    chat: unary<llm.ChatCompletionRequest>(CHAT, (request, ctx) => inner.chat(request, ctx)),
    embed: unary<llm.EmbeddingRequest>("embeddings", (request, ctx) => inner.embed(request, ctx)),
    complete: unary<llm.CompletionRequest>(TEXT_COMPLETION, (request, ctx) => inner.complete(request, ctx)),
    rerank: unary<llm.RerankRequest>("rerank", (request, ctx) => inner.rerank(request, ctx)),
    transcribe: unary<llm.TranscriptionRequest>("audio.transcriptions", (r, ctx) => inner.transcribe(r, ctx)),
    speak: unary<llm.SpeechRequest>("audio.speech", (r, ctx) => inner.speak(r, ctx)),
    generateImages: unary<llm.ImageGenerationRequest>("images.generations", (r, ctx) => inner.generateImages(r, ctx)),
    varyImage: unary<llm.ImageVariationRequest>("images.variations", (r, ctx) => inner.varyImage(r, ctx)),
    streamChat: (request, ctx) => measuredStream(CHAT, inner.streamChat(request, ctx), request.model, metrics, labels),
    streamComplete: (request, ctx) =>
      measuredStream(TEXT_COMPLETION, inner.streamComplete(request, ctx), request.model, metrics, labels),
  };
}

type Unary = connect.UnaryResult<Encoded>;

function measuredStream(
  operation: string,
  stream: connect.ServerStream<Encoded>,
  model: string,
  metrics: IngressMetrics,
  labels: ModelLabels,
): connect.ServerStream<Encoded> {
  const startedAt = performance.now();
  return {
    get headers() {
      return stream.headers;
    },
    get trailers() {
      return stream.trailers;
    },
    cancel: () => stream.cancel(),
    async *[Symbol.asyncIterator]() {
      let first = true;
      let status = 200;
      let deployment: string | undefined;
      let completed = false;
      try {
        for await (const message of stream) {
          if (first) {
            first = false;
            deployment = stream.headers[DEPLOYMENT_HEADER];
            const dep = labels.deployment(deployment);
            metrics.ttft.observe(
              { gen_ai_operation_name: operation, gen_ai_request_model: labels.group(model, dep), deployment: dep },
              (performance.now() - startedAt) / 1000,
            );
          }
          yield message;
        }
        deployment ??= stream.headers[DEPLOYMENT_HEADER];
        completed = true;
      } catch (err) {
        [deployment, status] = failure(err);
        deployment ??= stream.headers[DEPLOYMENT_HEADER];
        throw err;
      } finally {
        // A consumer that stopped early (the client went away) ends here without an error: 499, as nginx logs it.
        if (status === 200 && !completed) {
          status = 499;
          deployment ??= stream.headers[DEPLOYMENT_HEADER];
        }
        observe(metrics, labels, operation, model, deployment, status, true, startedAt);
      }
    },
  };
}
