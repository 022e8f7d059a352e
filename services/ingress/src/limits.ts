// Rate limits and budgets on the request path. Every chat request, REST or gRPC, streamed or not, goes through the
// one router client this module wraps: a request whose principal has limits (or that names an end user while some
// end user has limits) is admitted by the policy service's shared ledger before it goes to the router, and settled
// with its actual tokens and cost when it ends. A principal without limits never leaves the process here.

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { audioSeconds, characters, estimatePromptTokens, estimateTextTokens } from "@switchyard/openai";
import { llm, mayHoldCharge, type metering, policy, readCharge } from "@switchyard/proto";
import {
  Counter,
  connect,
  type Encoded,
  GatewayError,
  Histogram,
  type Logger,
  metricsRegistry,
} from "@switchyard/runtime";
import type { FailOpen } from "./fail-open.js";
import type { CallContext, RouterClient } from "./upstream.js";

/** An admitted request: its x-ratelimit-* headers, and how to end it. */
export interface Ticket {
  readonly headers: Readonly<Record<string, string>>;
  /** Settles the admission in the background with what the request used (its charge), or how it failed. */
  settle(outcome: { charge?: metering.Charge; error?: GatewayError; started?: boolean }): void;
}

/** What admission needs to know of a request, whatever its kind. */
export interface AdmitShape {
  readonly model: string;
  readonly endUser: string;
  /** Answers asked for (`n`); 1 for requests without choices. */
  readonly choices: number;
  /** The most output tokens the request may produce (0 when it produces none, as embeddings). */
  readonly output: number;
  /** Counts the prompt's tokens; asked only when a limit applies. */
  readonly promptTokens: () => Promise<number>;
  /** Images it generates, each reserved at its per-image price (0 or absent for requests that generate none). */
  readonly images?: number;
  /** Reads the milliseconds of audio it sends, reserved at the per-second price; asked only when a limit applies. */
  readonly audioMillis?: () => Promise<number>;
  /** Counts the units it is billed per query (a rerank's search units); asked only when a limit applies. */
  readonly queries?: () => Promise<number>;
}

/** The admission shape of a chat request. */
export function chatShape(request: llm.ChatCompletionRequest): AdmitShape {
  return {
    model: request.model,
    endUser: request.user ?? "",
    choices: Math.max(0, request.n ?? 1),
    output: outputLimit(request),
    promptTokens: () => estimatePromptTokens(request),
  };
}

/** The admission shape of an embeddings request: its inputs are the prompt, and it generates nothing. */
export function embeddingShape(request: llm.EmbeddingRequest): AdmitShape {
  return {
    model: request.model,
    endUser: request.user,
    choices: 1,
    output: 0,
    promptTokens: async () =>
      request.texts.length > 0
        ? estimateTextTokens(request.texts)
        : request.tokenInputs.reduce((n, t) => n + t.ids.length, 0),
  };
}

/** The admission shape of a text completion: its prompts, and up to `max_tokens` (else 16, OpenAI's default) each. */
export function completionShape(request: llm.CompletionRequest): AdmitShape {
  const prompts = Math.max(1, request.prompts.length + request.tokenPrompts.length);
  return {
    model: request.model,
    endUser: request.user,
    choices: Math.max(1, request.n ?? 1) * prompts,
    output: request.maxTokens ?? 16,
    promptTokens: async () =>
      request.prompts.length > 0
        ? estimateTextTokens(request.prompts)
        : request.tokenPrompts.reduce((n, t) => n + t.ids.length, 0),
  };
}

/** The admission shape of a rerank request: the query and documents are the prompt, and it generates nothing. */
export function rerankShape(request: llm.RerankRequest): AdmitShape {
  const texts = () => request.documents.map((d) => d.text || d.json);
  return {
    model: request.model,
    endUser: "",
    choices: 1,
    output: 0,
    promptTokens: async () => estimateTextTokens([request.query, ...texts()]),
    queries: () => searchUnits(request.query, texts()),
  };
}

/** Documents one search unit covers, and the tokens of a document (with its query) that count as one document. */
const DOCUMENTS_PER_SEARCH_UNIT = 100;
const TOKENS_PER_DOCUMENT = 500;

/**
 * The search units a rerank is billed, as Cohere counts them: one per query with up to 100 documents, where a
 * document longer than 500 tokens together with the query counts once for each 500.
 */
export async function searchUnits(query: string, documents: readonly string[]): Promise<number> {
  const queryTokens = await estimateTextTokens([query]);
  let chunks = 0;
  for (const document of documents) {
    const tokens = queryTokens + (await estimateTextTokens([document]));
    chunks += Math.max(1, Math.ceil(tokens / TOKENS_PER_DOCUMENT));
  }
  return Math.max(1, Math.ceil(chunks / DOCUMENTS_PER_SEARCH_UNIT));
}

/**
 * The admission shape of an audio or image request: it counts as one request for rpm and budgets; its cost is
 * settled from the charge, and its prompt is not tokens (speech input is counted by characters when billed).
 */
export function mediaShape(request: { model: string; user: string }): AdmitShape {
  return { model: request.model, endUser: request.user, choices: 1, output: 0, promptTokens: async () => 0 };
}

/** The admission shape of a transcription: a media request that reserves the seconds of its upload. */
export function transcriptionShape(request: llm.TranscriptionRequest): AdmitShape {
  return {
    ...mediaShape(request),
    audioMillis: async () => {
      const seconds = await audioSeconds(request.file, {
        filename: request.filename,
        contentType: request.contentType,
      });
      return seconds === undefined ? 0 : Math.ceil(seconds * 1000);
    },
  };
}

/** The admission shape of text to speech: its input's characters are its prompt, as providers bill them. */
export function speechShape(request: llm.SpeechRequest): AdmitShape {
  return { ...mediaShape(request), promptTokens: async () => characters(request.input) };
}

/** The admission shape of an image generation or variation: a media request that reserves its `n` images. */
export function imageShape(request: { model: string; user: string; n?: number }): AdmitShape {
  return { ...mediaShape(request), images: Math.min(128, Math.max(1, request.n ?? 1)) };
}

/** What an Admit asks about a request, besides its token counts: the key a prefetched admission is pooled under. */
interface AdmitInit {
  readonly keyId: string;
  /** A JWT caller's team and user, whose limits the policy applies to it (a key's are on its record). */
  readonly teamId: string;
  readonly userId: string;
  readonly model: string;
  readonly endUser: string;
  readonly choices: number;
  readonly images: number;
  readonly audioMillis: number;
  readonly queries: number;
}

/** Admits a unary call of any kind, settles its ticket with the charge or the error, and adds the ticket's headers. */
async function admitUnary(
  limiter: Limiter,
  shape: llm.ChatCompletionRequest | AdmitShape,
  ctx: CallContext,
  call: () => Promise<connect.UnaryResult<Encoded>>,
): Promise<connect.UnaryResult<Encoded>> {
  const ticket = await limiter.admit(shape, ctx);
  if (!ticket) return call();
  let result: connect.UnaryResult<Encoded>;
  try {
    result = await call();
  } catch (err) {
    const error = GatewayError.from(err);
    ticket.settle({ error });
    throw withHeaders(error, ticket.headers);
  }
  ticket.settle({ charge: readCharge(result.value) });
  return { ...result, headers: { ...result.headers, ...ticket.headers } };
}

/** Admits requests against the limits of their key, team, user and end user. */
export interface Limiter {
  /** Admits `request` or throws RATE_LIMITED, BUDGET_EXCEEDED or UNAVAILABLE; undefined when nothing limits it. */
  admit(request: llm.ChatCompletionRequest | AdmitShape, ctx: CallContext): Promise<Ticket | undefined>;
  /** Sends every settle still waiting and waits (a bounded time) for them; for draining. */
  close?(): Promise<void>;
}

/** Options of `createLimiter`. */
export interface LimiterOptions {
  /**
   * Set with `general_settings.allow_requests_on_db_unavailable`: when the policy service or its ledger cannot be
   * reached, admit the request unlimited (reported here) instead of answering 503.
   */
  failOpen?: FailOpen;
  /** Take admissions ahead of need for principals far from their limits (`SWITCHYARD_PREFETCH_ADMISSIONS`, default on). */
  prefetch?: boolean;
}

const ADMIT_TIMEOUT_MS = 5_000;
/** Renewals of a running request are never more frequent than every half of this. */
const MIN_RENEW_LIFETIME_MS = 2_000;
/** A request still unsettled after this long is left to expire (no stream or call runs this long). */
const MAX_RENEWED_MS = 6 * 3_600_000;
/**
 * How long a settle waits for the next Admit to ride along with before it goes out on its own: a busy ingress then
 * sends one call per request instead of two, and the policy settles and admits in the same ledger write.
 */
const SETTLE_DELAY_MS = 20;
/** Most settles one Admit carries. */
const MAX_RIDING_SETTLES = 256;
const SETTLE_ATTEMPTS = 5;
const MAX_OUTPUT = 100_000_000;

const admissionSeconds = new Histogram({
  name: "switchyard_ingress_admission_seconds",
  help: "Time a limited request spent being admitted, by how: prefetched (no call), ledger (an Admit call), refused.",
  labelNames: ["how"],
  buckets: [0.000025, 0.00005, 0.0001, 0.00015, 0.0002, 0.0003, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25, 1],
  registers: [metricsRegistry()],
});
const settleFailedTotal = new Counter({
  name: "switchyard_policy_settle_failed_total",
  help: "Admissions that could not be settled; their reservations count as spent when they expire.",
  registers: [metricsRegistry()],
});

/** OpenAI's duration form for x-ratelimit-reset-*: "1s", "6m0s", "20ms". */
export function formatReset(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = Math.ceil(ms / 1_000);
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

/** Names the levels whose spend has reached their soft budget (a warning; nothing is refused). */
export const SOFT_BUDGET_HEADER = "x-switchyard-soft-budget-reached";

/**
 * The x-ratelimit-* headers of a decision (none for a limit the principal does not have), and the soft-budget warning
 * when a level reached its soft budget.
 */
export function rateLimitHeaders(res: policy.AdmitResponse): Record<string, string> {
  const headers: Record<string, string> = {};
  if (res.softBudgetReached.length > 0) headers[SOFT_BUDGET_HEADER] = res.softBudgetReached.join(", ");
  for (const [name, status] of [
    ["requests", res.requests],
    ["tokens", res.tokens],
  ] as const) {
    if (!status) continue;
    headers[`x-ratelimit-limit-${name}`] = String(status.limit);
    headers[`x-ratelimit-remaining-${name}`] = String(status.remaining);
    headers[`x-ratelimit-reset-${name}`] = formatReset(Number(status.resetMs));
  }
  return headers;
}

/** The names of the headers `rateLimitHeaders` may set, for the edges that forward headers by name. */
export const RATE_LIMIT_HEADERS: readonly string[] = [
  ...["requests", "tokens"].flatMap((name) => [
    `x-ratelimit-limit-${name}`,
    `x-ratelimit-remaining-${name}`,
    `x-ratelimit-reset-${name}`,
  ]),
  SOFT_BUDGET_HEADER,
];

function outputLimit(request: llm.ChatCompletionRequest): number {
  const limit = request.maxCompletionTokens ?? request.maxTokens ?? 0;
  return Math.min(MAX_OUTPUT, Math.max(0, limit));
}

/** An admission taken ahead of need, for the next request of the same shape. */
interface Prefetched {
  readonly admission: policy.Admission;
  /** The x-ratelimit-* headers as of when it was taken. */
  readonly headers: Record<string, string>;
  /** The prompt tokens and output limit it was reserved for; a request fits when it asks no more. */
  readonly prompt: number;
  readonly output: number;
  /** It must be used before this (unix ms), or settled unused. */
  readonly validUntil: number;
}

/** Admissions one prefetch asks for; a new prefetch starts when fewer than `REFILL_BELOW` are left. */
const PREFETCH_COUNT = 8;
const REFILL_BELOW = 3;
/** After the policy declined a prefetch (near a limit), the shape goes one by one for this long. */
const PREFETCH_COOL_MS = 1_000;
/** Headroom of a prefetch over the request it follows: the next prompt is often a little longer. */
const PREFETCH_PROMPT_FACTOR = 1.25;
const PREFETCH_PROMPT_EXTRA = 16;

/**
 * The last instant a prefetched admission may serve: it was counted in a rate bucket of the second it was taken in,
 * and a request served after that second could fall outside a 60-second window that the bucket still covers.
 */
function usableUntil(admission: policy.Admission, nowMs: number): number {
  let until = nowMs + 1_000;
  for (const hold of admission.holds) {
    if (hold.second > 0n) until = Math.min(until, Number(hold.second) * 1_000 + 1_000 - 5);
  }
  return until;
}

/** Creates the limiter over the policy service's Connect client. */
export function createLimiter(client: connect.ConnectClient, log: Logger, options: LimiterOptions): Limiter {
  const inFlight = new Set<Promise<void>>();
  const waiting: policy.SettleRequest[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    while (waiting.length > 0) {
      const sent = settleMany(waiting.splice(0, MAX_RIDING_SETTLES)).finally(() => inFlight.delete(sent));
      inFlight.add(sent);
    }
  };
  const queueSettle = (requests: readonly policy.SettleRequest[]) => {
    waiting.push(...requests);
    timer ??= setTimeout(flush, SETTLE_DELAY_MS);
  };

  const settleMany = async (settles: policy.SettleRequest[]) => {
    const request = create(policy.SettleManyRequestSchema, { settles });
    for (let attempt = 1; ; attempt++) {
      try {
        await connect.callUnary(client, policy.PolicyService.method.settleMany, request, {
          deadline: Date.now() + ADMIT_TIMEOUT_MS,
        });
        return;
      } catch (err) {
        if (attempt >= SETTLE_ATTEMPTS) {
          settleFailedTotal.inc(settles.length);
          log.error(
            { admissions: settles.length, err: GatewayError.from(err).message },
            "settle failed; the reservations will expire",
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt).unref());
      }
    }
  };

  /** Calls Admit, carrying the settles still waiting; they go out on their own if the call fails. */
  const callAdmit = async (init: MessageInitShape<typeof policy.AdmitRequestSchema>, signal?: AbortSignal) => {
    const riding = waiting.splice(0, MAX_RIDING_SETTLES);
    try {
      return (
        await connect.callUnary(
          client,
          policy.PolicyService.method.admit,
          create(policy.AdmitRequestSchema, { ...init, settles: riding }),
          { deadline: Date.now() + ADMIT_TIMEOUT_MS, ...(signal ? { signal } : {}) },
        )
      ).value;
    } catch (err) {
      // The settles it carried may not have arrived: send them on their own (settling twice changes nothing).
      if (riding.length > 0) queueSettle(riding);
      throw err;
    }
  };

  // Admitted requests still running that hold a parallel slot or a budget reservation. An admission the ledger does
  // not hear about for its lifetime (15 minutes) expires, freeing its slot, as if the ingress had died: one that runs
  // longer (a long stream) is renewed at half its lifetime, again and again until it is settled.
  const running = new Map<policy.Admission, { since: number; lifetimeMs: number; renewAt: number }>();

  // Prefetched admissions: a principal far from its limits gets its next admission ahead of need, so its requests
  // pay no policy call on their path. Near a limit the policy declines (NOT_NOW) and requests go one by one.
  const pool = new Map<string, Prefetched[]>();
  const cool = new Map<string, number>();
  const refilling = new Set<string>();
  const unused = (p: Prefetched) =>
    queueSettle([create(policy.SettleRequestSchema, { admission: p.admission, unused: true })]);
  const sweep = () => {
    const nowMs = Date.now();
    for (const [shape, list] of pool) {
      const keep = list.filter((p) => p.validUntil > nowMs);
      for (const p of list) if (p.validUntil <= nowMs) unused(p);
      if (keep.length > 0) pool.set(shape, keep);
      else pool.delete(shape);
    }
    for (const [shape, until] of cool) if (until <= nowMs) cool.delete(shape);
    for (const [admission, open] of running) {
      if (nowMs - open.since > MAX_RENEWED_MS) {
        // Past any request's timeout: a ticket nobody settled; let the ledger expire it.
        running.delete(admission);
        continue;
      }
      if (nowMs < open.renewAt) continue;
      open.renewAt = nowMs + open.lifetimeMs / 2;
      queueSettle([create(policy.SettleRequestSchema, { admission, renew: true })]);
    }
  };
  const sweeper = setInterval(sweep, 1_000);
  sweeper.unref();
  const take = (shape: string, prompt: number, output: number): Prefetched | undefined => {
    const list = pool.get(shape);
    if (!list) return undefined;
    const nowMs = Date.now();
    const i = list.findIndex(
      (p) =>
        p.validUntil > nowMs &&
        prompt <= p.prompt &&
        (output === 0 ? p.output === 0 : p.output > 0 && output <= p.output),
    );
    if (i < 0) return undefined;
    const [found] = list.splice(i, 1);
    return found;
  };
  const refill = (shape: string, init: AdmitInit, prompt: number, output: number) => {
    if (options.prefetch === false) return;
    if (refilling.has(shape) || (pool.get(shape)?.length ?? 0) >= REFILL_BELOW) return;
    if ((cool.get(shape) ?? 0) > Date.now()) return;
    refilling.add(shape);
    const reserved = Math.ceil(prompt * PREFETCH_PROMPT_FACTOR) + PREFETCH_PROMPT_EXTRA;
    const ask = { promptTokens: BigInt(reserved), maxOutputTokens: BigInt(output), prefetch: true };
    void callAdmit({ ...init, ...ask, count: PREFETCH_COUNT })
      .then((res) => {
        const granted = res.admissions.filter((a) => a.holds.length > 0);
        if (res.decision !== policy.AdmitDecision.ADMIT || granted.length === 0) {
          cool.set(shape, Date.now() + PREFETCH_COOL_MS);
          return;
        }
        const headers = rateLimitHeaders(res);
        const nowMs = Date.now();
        const list = pool.get(shape) ?? [];
        for (const admission of granted) {
          list.push({ admission, headers, prompt: reserved, output, validUntil: usableUntil(admission, nowMs) });
        }
        pool.set(shape, list);
      })
      .catch(() => cool.set(shape, Date.now() + PREFETCH_COOL_MS))
      .finally(() => refilling.delete(shape));
  };

  /** The ticket of an admitted request. */
  const ticketFor = (admission: policy.Admission | undefined, headers: Record<string, string>): Ticket => {
    if (!admission || admission.holds.length === 0) return { headers, settle() {} };
    let settled = false;
    if (admission.holds.some((h) => h.slot || h.budget)) {
      const nowMs = Date.now();
      const lifetimeMs = Math.max(MIN_RENEW_LIFETIME_MS, Number(admission.expiresAtMs) - nowMs);
      running.set(admission, { since: nowMs, lifetimeMs, renewAt: nowMs + lifetimeMs / 2 });
    }
    return {
      headers,
      settle({ charge, error, started }) {
        if (settled) return;
        settled = true;
        running.delete(admission);
        const request = create(policy.SettleRequestSchema, { admission });
        if (charge) {
          // The answer's own charge and what the failed attempts before it were charged.
          request.promptTokens = BigInt(charge.promptTokens + charge.failedAttemptsPromptTokens);
          request.completionTokens = BigInt(charge.completionTokens + charge.failedAttemptsCompletionTokens);
          request.costNanos = charge.costNanos + charge.failedAttemptsCostNanos;
        } else if (error?.detail.costNanos !== undefined) {
          // The router's error says what every attempt of the failed request was charged.
          request.promptTokens = BigInt(error.detail.promptTokens);
          request.completionTokens = BigInt(error.detail.completionTokens);
          request.costNanos = error.detail.costNanos;
        } else if (error && (started || cutOff(error))) {
          // The upstream may have generated (and billed) something we never learned the cost of.
          request.useReservation = true;
        }
        queueSettle([request]);
      },
    };
  };

  return {
    async admit(request, ctx) {
      const { principal } = ctx;
      const shape = "$typeName" in request ? chatShape(request) : request;
      const { endUser } = shape;
      if (!principal.limited && !(principal.endUserLimits && endUser !== "")) return undefined;
      const started = performance.now();
      const took = (how: string) => admissionSeconds.observe({ how }, (performance.now() - started) / 1000);
      const promptTokens = await shape.promptTokens();
      const output = shape.output;
      const init: AdmitInit = {
        keyId: principal.keyId,
        teamId: principal.teamId,
        userId: principal.userId,
        model: shape.model,
        endUser,
        choices: shape.choices,
        images: shape.images ?? 0,
        audioMillis: shape.audioMillis ? await shape.audioMillis() : 0,
        queries: shape.queries ? await shape.queries() : 0,
      };
      const key = `${init.keyId}\0${init.teamId}\0${init.userId}\0${endUser}\0${init.model}\0${init.choices}\0${init.images}`;
      // Audio lengths and rerank sizes hardly repeat: such requests are admitted one by one, never ahead of need.
      const ahead = init.audioMillis === 0 && init.queries === 0;
      const prefetched = ahead ? take(key, promptTokens, output) : undefined;
      if (prefetched) {
        refill(key, init, promptTokens, output);
        took("prefetched");
        return ticketFor(prefetched.admission, prefetched.headers);
      }
      let res: policy.AdmitResponse;
      try {
        res = await callAdmit(
          {
            ...init,
            promptTokens: BigInt(promptTokens),
            maxOutputTokens: BigInt(output),
            requestId: ctx.requestId,
          },
          ctx.signal,
        );
      } catch (err) {
        if (ctx.signal.aborted) throw GatewayError.from(err);
        if (options.failOpen) {
          options.failOpen("limits", err);
          return undefined;
        }
        throw new GatewayError(
          { class: llm.ErrorClass.UNAVAILABLE, message: "limits service unavailable" },
          { cause: err },
        );
      }
      took(res.decision === policy.AdmitDecision.ADMIT ? "ledger" : "refused");
      const headers = rateLimitHeaders(res);
      const retryAfterSeconds = res.retryAfterMs > 0n ? Math.ceil(Number(res.retryAfterMs) / 1000) : undefined;
      switch (res.decision) {
        case policy.AdmitDecision.ADMIT:
          break;
        case policy.AdmitDecision.RATE_LIMITED:
          throw new GatewayError(
            { class: llm.ErrorClass.RATE_LIMITED, message: `rate limit reached: ${res.reason}`, retryAfterSeconds },
            { meta: headers },
          );
        case policy.AdmitDecision.BUDGET_EXCEEDED:
          throw new GatewayError(
            { class: llm.ErrorClass.BUDGET_EXCEEDED, message: `budget exceeded: ${res.reason}`, retryAfterSeconds },
            { meta: headers },
          );
        case policy.AdmitDecision.FORBIDDEN:
          throw new GatewayError({ class: llm.ErrorClass.PERMISSION_DENIED, message: res.reason || "not allowed" });
        default:
          throw new GatewayError({ class: llm.ErrorClass.AUTH, message: res.reason || "invalid api key" });
      }
      if (ahead) refill(key, init, promptTokens, output);
      return ticketFor(res.admission, headers);
    },
    async close() {
      clearInterval(sweeper);
      for (const list of pool.values()) for (const p of list) unused(p);
      pool.clear();
      flush();
      await Promise.race([Promise.all(inFlight), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    },
  };
}

/** Failures after which the upstream may have run: the attempt may be billed. */
function cutOff(error: GatewayError): boolean {
  return error.errorClass === llm.ErrorClass.TIMEOUT || error.errorClass === llm.ErrorClass.CANCELLED;
}

function withHeaders(err: unknown, headers: Readonly<Record<string, string>>): GatewayError {
  const error = GatewayError.from(err);
  if (Object.keys(headers).length === 0) return error;
  return new GatewayError({ ...error.detail }, { cause: err, meta: { ...error.meta, ...headers } });
}

/**
 * Wraps the router client so that every chat call is admitted first and settled when it ends; the x-ratelimit-*
 * headers join the router's response headers.
 */
export function limitRouter(inner: RouterClient, limiter: Limiter): RouterClient {
  return {
    listModels: () => inner.listModels(),
    listDeployments: () => inner.listDeployments(),
    complete: (request, ctx) => admitUnary(limiter, completionShape(request), ctx, () => inner.complete(request, ctx)),
    rerank: (request, ctx) => admitUnary(limiter, rerankShape(request), ctx, () => inner.rerank(request, ctx)),
    transcribe: (request, ctx) =>
      admitUnary(limiter, transcriptionShape(request), ctx, () => inner.transcribe(request, ctx)),
    speak: (request, ctx) => admitUnary(limiter, speechShape(request), ctx, () => inner.speak(request, ctx)),
    generateImages: (request, ctx) =>
      admitUnary(limiter, imageShape(request), ctx, () => inner.generateImages(request, ctx)),
    varyImage: (request, ctx) => admitUnary(limiter, imageShape(request), ctx, () => inner.varyImage(request, ctx)),
    embed: (request, ctx) => admitUnary(limiter, embeddingShape(request), ctx, () => inner.embed(request, ctx)),
    chat: (request, ctx) => admitUnary(limiter, request, ctx, () => inner.chat(request, ctx)),
    streamChat: (request, ctx) => admitStream(limiter, request, ctx, () => inner.streamChat(request, ctx)),
    streamComplete: (request, ctx) =>
      admitStream(limiter, completionShape(request), ctx, () => inner.streamComplete(request, ctx)),
  };
}

/**
 * Admits a streamed call: the stream opens once admitted, and its ticket is settled with the charge message the
 * stream ends with, or with what may have been generated when it fails or the consumer stops reading.
 */
function admitStream(
  limiter: Limiter,
  shape: llm.ChatCompletionRequest | AdmitShape,
  ctx: CallContext,
  open: () => connect.ServerStream<Encoded>,
): connect.ServerStream<Encoded> {
  let stream: connect.ServerStream<Encoded> | undefined;
  let ticket: Ticket | undefined;
  let cancelled = false;
  async function* iterate(): AsyncGenerator<Encoded> {
    ticket = await limiter.admit(shape, ctx);
    if (cancelled) throw new GatewayError({ class: llm.ErrorClass.CANCELLED, message: "cancelled" });
    stream = open();
    if (!ticket) {
      yield* stream;
      return;
    }
    let charge: metering.Charge | undefined;
    let started = false;
    let ended = false;
    try {
      for await (const bytes of stream) {
        started = true;
        // Only the message after the last chunk holds the charge; its first byte tells it apart without a decode.
        if (mayHoldCharge(bytes)) charge = readCharge(bytes) ?? charge;
        yield bytes;
      }
      ended = true;
      ticket.settle({ charge });
    } catch (err) {
      ended = true;
      const error = GatewayError.from(err);
      ticket.settle({ charge, error, started });
      throw withHeaders(error, ticket.headers);
    } finally {
      // The consumer stopped reading (the client went away): bill what may have been generated.
      if (!ended) {
        ticket.settle({
          charge,
          error: new GatewayError({ class: llm.ErrorClass.CANCELLED, message: "cancelled" }),
          started,
        });
      }
    }
  }
  const iterator = iterate();
  return {
    [Symbol.asyncIterator]: () => iterator,
    get headers() {
      return { ...stream?.headers, ...ticket?.headers };
    },
    get trailers() {
      return stream?.trailers ?? {};
    },
    cancel() {
      cancelled = true;
      stream?.cancel();
    },
  };
}
