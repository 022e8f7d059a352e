// OpenTelemetry tracing, configured only by the standard OTEL_* environment variables. Tracing is on when an OTLP
// endpoint is set (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT) and neither OTEL_SDK_DISABLED
// nor OTEL_TRACES_EXPORTER turns it off. When it is off nothing is registered: no context manager (so no
// AsyncLocalStorage on the request path), no spans, and every hook below returns after one boolean check.
//
// Spans travel as W3C trace context (`traceparent`, `tracestate`) over the internal Connect hops and in the NATS
// headers of usage events. Within a process a span's parent is found through the abort signal of the call it serves
// (every hop and upstream request gets that signal), so only the ingress pays for AsyncLocalStorage. Internal
// services continue traces and never start them: a Connect call or a usage message without a `traceparent` is not
// traced, so background calls (invalidation watches, health probes) make no traces.

import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_ERROR_TYPE, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";

/** For specs of other packages: an exporter that keeps finished spans in memory. */
export { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
export { type Attributes, type Context, context, type Span, SpanKind, SpanStatusCode, trace };

/** The instrumentation scope of every Switchyard span. */
const SCOPE = "switchyard";
const VERSION = "0.1.0";
/** Longest wait for the last spans to leave at shutdown. */
const SHUTDOWN_MS = 5_000;

let provider: BasicTracerProvider | undefined;
let enabled = false;
let scopeTracer: Tracer | undefined;

/** Whether spans are recorded and exported; false unless `startTracing` found an OTLP endpoint. */
export function tracingEnabled(): boolean {
  return enabled;
}

/** Why tracing is off, or undefined when the environment turns it on. */
export function tracingOffReason(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return "OTEL_SDK_DISABLED is true";
  const exporters = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporters && !exporters.split(",").some((e) => e.trim() === "otlp")) {
    return `OTEL_TRACES_EXPORTER is "${exporters}" (only otlp is supported)`;
  }
  if (!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() && !env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()) {
    return "no OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT) is set";
  }
  return undefined;
}

/** What `startTracing` reports back for the start-up log. */
export interface TracingStart {
  readonly enabled: boolean;
  /** A configuration problem worth a warning (tracing may still be on). */
  readonly warning?: string;
}

/** Options of `startTracing`. */
export interface TracingOptions {
  /**
   * Propagate the active span through every `await` with AsyncLocalStorage, for a process whose outgoing calls cannot
   * be tied to their request otherwise (the ingress). It costs every promise of the process about 60 ns while tracing
   * is on, sampled or not, so the other services go without: their Connect calls find their parent through the
   * call's AbortSignal (`bindSignal`).
   */
  asyncContext?: boolean;
  /** Export to this exporter, span by span, whatever the environment says (an in-memory exporter in specs). */
  exporter?: SpanExporter;
}

/**
 * Starts tracing for `service` when the environment asks for it: an OTLP/HTTP protobuf exporter (endpoint, headers,
 * timeout and compression from OTEL_EXPORTER_OTLP_*), a batch span processor (OTEL_BSP_*), the sampler of
 * OTEL_TRACES_SAMPLER (default parentbased_always_on), `service.name` from OTEL_SERVICE_NAME (default
 * `switchyard-<service>`) plus OTEL_RESOURCE_ATTRIBUTES, and W3C trace context. Idempotent.
 */
export function startTracing(
  service: string,
  env: NodeJS.ProcessEnv = process.env,
  options: TracingOptions = {},
): TracingStart {
  if (enabled) return { enabled };
  if (!options.exporter && tracingOffReason(env)) return { enabled: false };
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ||
    env.OTEL_EXPORTER_OTLP_PROTOCOL ||
    "http/protobuf"
  ).trim();
  const warning =
    protocol === "http/protobuf"
      ? undefined
      : `OTEL_EXPORTER_OTLP_PROTOCOL "${protocol}" is not supported: exporting with http/protobuf`;
  const defaults = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: `switchyard-${service}`,
    [ATTR_SERVICE_VERSION]: VERSION,
    "service.namespace": "switchyard",
    ...(env.HOSTNAME ? { "service.instance.id": env.HOSTNAME } : {}),
  });
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults.
  const resource = defaults.merge(detectResources({ detectors: [envDetector] }));
  provider = new BasicTracerProvider({
    resource,
    spanProcessors: [
      options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(new OTLPTraceExporter()),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  if (options.asyncContext) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  scopeTracer = provider.getTracer(SCOPE, VERSION);
  enabled = true;
  return warning ? { enabled, warning } : { enabled };
}

/** Exports the spans still buffered and stops tracing; bounded, so a dead collector cannot hold up a shutdown. */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  if (!stopping) return;
  provider = undefined;
  enabled = false;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    stopping.shutdown().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SHUTDOWN_MS);
    }),
  ]);
  clearTimeout(timer);
}

/** The tracer of Switchyard's own spans; only meaningful while `tracingEnabled()`. */
export function tracer(): Tracer {
  return scopeTracer ?? trace.getTracer(SCOPE, VERSION);
}

const setter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

const getter: TextMapGetter<HeaderBag> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    return carrier[key];
  },
};

/** Writes `traceparent` (and `tracestate`) of `ctx` into `headers`; does nothing when tracing is off. */
export function injectTraceContext(headers: Record<string, string>, ctx: Context = context.active()): void {
  if (enabled) propagation.inject(ctx, headers, setter);
}

/** The remote parent carried by `traceparent` in lower-case `headers`, or undefined when there is none. */
export function extractTraceContext(headers: HeaderBag): Context | undefined {
  if (!enabled || headers.traceparent === undefined) return undefined;
  const ctx = propagation.extract(ROOT_CONTEXT, headers, getter);
  return trace.getSpanContext(ctx) ? ctx : undefined;
}

/** The trace context of each call being served, by the call's abort signal. */
const bySignal = new WeakMap<AbortSignal, Context>();

/**
 * Ties `ctx` to a call's abort signal, which the call hands to everything it does (the next hop, the upstream
 * request): what those start becomes a child of `ctx` without any async context. Nothing while tracing is off.
 */
export function bindSignal(signal: AbortSignal, ctx: Context): void {
  if (enabled) bySignal.set(signal, ctx);
}

/** Gives a signal derived from `parent` (AbortSignal.any, a timeout) the trace context of `parent`. */
export function inheritSignal(child: AbortSignal, parent: AbortSignal): void {
  if (!enabled) return;
  const ctx = bySignal.get(parent);
  if (ctx) bySignal.set(child, ctx);
}

/** The parent of a new span: the context tied to `signal`, else the active one. */
export function parentContext(signal?: AbortSignal): Context {
  return (signal && bySignal.get(signal)) || context.active();
}

/**
 * Starts a child span of the span tied to `signal` (else of the active span), or returns undefined when tracing is
 * off or nothing is being traced: a process never starts a trace from an internal call.
 */
export function startChildSpan(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  signal?: AbortSignal,
): Span | undefined {
  if (!enabled) return undefined;
  const parent = parentContext(signal);
  if (!trace.getSpan(parent)) return undefined;
  return tracer().startSpan(name, { kind, attributes }, parent);
}

/** Contexts parked between two parts of one attempt that share no signal (the call and its usage event). */
const parked = new Map<string, Context>();
const MAX_PARKED = 10_000;

/** Parks `ctx` under `key` until `takeParked`; the oldest are dropped beyond a bound. Nothing while tracing is off. */
export function park(key: string, ctx: Context): void {
  if (!enabled) return;
  parked.delete(key);
  parked.set(key, ctx);
  if (parked.size > MAX_PARKED) parked.delete(parked.keys().next().value as string);
}

/** Takes the context parked under `key`, if any. */
export function takeParked(key: string): Context | undefined {
  const ctx = parked.get(key);
  if (ctx) parked.delete(key);
  return ctx;
}

/** Marks a span failed with a low-cardinality `error.type` and a caller-safe message. */
export function failSpan(span: Span, errorType: string, message: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** Trace ids of a log line. */
export interface TraceIds {
  traceId?: string;
  spanId?: string;
}

/** What `activeTraceIds` returns outside a traced request: one shared, frozen object (no allocation per line). */
export const NO_TRACE_IDS: Readonly<TraceIds> = Object.freeze({});

/** Trace and span ids of the active span, for log lines; `NO_TRACE_IDS` when there is none. */
export function activeTraceIds(): TraceIds {
  if (!enabled) return NO_TRACE_IDS;
  const span = trace.getActiveSpan();
  if (!span) return NO_TRACE_IDS;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
