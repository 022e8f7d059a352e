// The provider worker's metrics: every upstream attempt (the GenAI client metrics of the OpenTelemetry conventions in
// their Prometheus form), its tokens and cost, read from the attempt's usage event so they agree with metering
// exactly; and the calls in flight, the per-pod metric the chart's autoscaler can follow. Labels are the model group,
// deployment and provider of the config: bounded, never a key, user or request id.

import { metering } from "@switchyard/proto";
import { Counter, type connect, Gauge, Histogram, type Registry } from "@switchyard/runtime";
import type { UsageSink } from "./metering/meter.js";
import { genAiProvider } from "./providers/upstream-span.js";

/** Bucket boundaries of the conventions for gen_ai.client.token.usage. */
export const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
/** ... for gen_ai.client.operation.duration (seconds). */
export const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/** ... for gen_ai.client.operation.time_to_first_chunk (seconds). */
export const FIRST_CHUNK_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

const ATTEMPT = ["gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "deployment"] as const;
type AttemptLabel = (typeof ATTEMPT)[number];

/** The worker's metrics on one registry. */
export interface WorkerMetrics {
  /** `gen_ai_client_token_usage`: input and output tokens of each attempt. */
  readonly tokens: Histogram<AttemptLabel | "gen_ai_token_type">;
  /** `gen_ai_client_operation_duration_seconds`: each upstream attempt, by HTTP status. */
  readonly duration: Histogram<AttemptLabel | "status">;
  /** `gen_ai_client_operation_time_to_first_chunk_seconds`: streamed attempts that produced a chunk. */
  readonly firstChunk: Histogram<AttemptLabel>;
  /** `switchyard_cost_usd_total`: what the attempts cost, priced exactly as metering records it. */
  readonly cost: Counter<"gen_ai_request_model" | "deployment">;
  /** `switchyard_worker_requests_in_flight`: Connect calls this worker is serving now. */
  readonly inFlight: Gauge;
}

const byRegistry = new WeakMap<Registry, WorkerMetrics>();

/** The worker metrics of `registry`, registered on first use. */
export function workerMetrics(registry: Registry): WorkerMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;
  const registers = [registry];
  const tokens = new Histogram({
    name: "gen_ai_client_token_usage",
    help: "Input and output tokens of each upstream attempt (estimated when the upstream reported none).",
    labelNames: [...ATTEMPT, "gen_ai_token_type"],
    buckets: TOKEN_BUCKETS,
    registers,
  });
  const duration = new Histogram({
    name: "gen_ai_client_operation_duration_seconds",
    help: "Upstream attempts, from the worker's call to the end of the answer, by HTTP status.",
    labelNames: [...ATTEMPT, "status"],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const firstChunk = new Histogram({
    name: "gen_ai_client_operation_time_to_first_chunk_seconds",
    help: "Time to the first chunk of streamed upstream attempts.",
    labelNames: [...ATTEMPT],
    buckets: FIRST_CHUNK_BUCKETS,
    registers,
  });
  const metrics: WorkerMetrics = {
    tokens,
    duration,
    firstChunk,
    cost: new Counter({
      name: "switchyard_cost_usd_total",
      help: "Cost of upstream attempts in US dollars, by model group and deployment.",
      labelNames: ["gen_ai_request_model", "deployment"],
      registers,
    }),
    inFlight: new Gauge({
      name: "switchyard_worker_requests_in_flight",
      help: "Calls (chat, streams, embeddings) this provider worker is serving now.",
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}

/** The conventions' operation name of a usage event's operation. */
function operationName(operation: string): string {
  if (operation === "chat.completions") return "chat";
  return operation || "chat";
}

/** Records one attempt's usage event. */
export function recordAttempt(metrics: WorkerMetrics, event: metering.UsageEvent): void {
  const route = event.route;
  // Label objects are written out in full: spreading one into another costs microseconds per observation.
  const gen_ai_operation_name = operationName(event.operation);
  const gen_ai_provider_name = genAiProvider(route?.provider ?? "");
  const gen_ai_request_model = route?.modelGroup ?? "";
  const deployment = route?.deploymentId ?? "";
  const status = String(event.httpStatus || 200);
  const seconds = event.latencyMs / 1000;
  metrics.duration.observe(
    { gen_ai_operation_name, gen_ai_provider_name, gen_ai_request_model, deployment, status },
    seconds,
  );
  if (event.stream && event.ttftMs > 0) {
    metrics.firstChunk.observe(
      { gen_ai_operation_name, gen_ai_provider_name, gen_ai_request_model, deployment },
      event.ttftMs / 1000,
    );
  }
  const tokens = event.tokens;
  if (tokens && (tokens.prompt > 0 || tokens.completion > 0 || event.status === metering.Status.OK)) {
    metrics.tokens.observe(
      { gen_ai_operation_name, gen_ai_provider_name, gen_ai_request_model, deployment, gen_ai_token_type: "input" },
      tokens.prompt,
    );
    metrics.tokens.observe(
      { gen_ai_operation_name, gen_ai_provider_name, gen_ai_request_model, deployment, gen_ai_token_type: "output" },
      tokens.completion,
    );
  }
  if (event.costNanos > 0n) metrics.cost.inc({ gen_ai_request_model, deployment }, Number(event.costNanos) / 1e9);
}

/** A usage sink that also feeds the metrics; `publish` still never throws or waits. */
export function measuredSink(sink: UsageSink, metrics: WorkerMetrics): UsageSink {
  return {
    publish(event) {
      try {
        recordAttempt(metrics, event);
      } catch {
        // A metrics failure must never cost a usage event.
      }
      sink.publish(event);
    },
  };
}

/** Wraps every route so the gauge counts the calls being served (unary until answered, streams until they end). */
export function countInFlight(routes: connect.Routes, gauge: Gauge): connect.Routes {
  for (const [path, route] of routes) {
    const unary = route.unary;
    const stream = route.stream;
    routes.set(path, {
      ...route,
      ...(unary && {
        async unary(request: unknown, ctx: connect.HandlerContext) {
          gauge.inc();
          try {
            return await unary(request, ctx);
          } finally {
            gauge.dec();
          }
        },
      }),
      ...(stream && {
        async stream(request: unknown, ctx: connect.HandlerContext, sink: connect.StreamSink<unknown>) {
          gauge.inc();
          try {
            await stream(request, ctx, sink);
          } finally {
            gauge.dec();
          }
        },
      }),
    });
  }
  return routes;
}
