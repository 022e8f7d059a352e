import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { MP3_FRAME_SECONDS, mp3File, wavFile } from "@switchyard/openai/audio-testkit";
import { llm, metering, policy, readCharge, router } from "@switchyard/proto";
import { type connect, type Encoded, GatewayError } from "@switchyard/runtime";
import {
  type AdmitShape,
  formatReset,
  type Limiter,
  limitRouter,
  rateLimitHeaders,
  searchUnits,
  type Ticket,
} from "./limits.js";
import type { CallContext, RouterClient } from "./upstream.js";

const ctx: CallContext = {
  requestId: "r1",
  principal: { keyId: "k", teamId: "", userId: "", isAdmin: false, limited: true, endUserLimits: false },
  tags: [],
  signal: new AbortController().signal,
};
const request = create(llm.ChatCompletionRequestSchema, { model: "m" });
const charge = create(metering.ChargeSchema, { costNanos: 42n, promptTokens: 3, completionTokens: 4 });

/** Records what was settled. */
function recordingLimiter(admit = true): Limiter & { settled: Parameters<Ticket["settle"]>[0][] } {
  const settled: Parameters<Ticket["settle"]>[0][] = [];
  return {
    settled,
    async admit() {
      if (!admit) throw new GatewayError({ class: llm.ErrorClass.RATE_LIMITED, message: "no" });
      return { headers: { "x-ratelimit-limit-requests": "5" }, settle: (outcome) => settled.push(outcome) };
    },
  };
}

function stream(messages: Encoded[], fail?: GatewayError): connect.ServerStream<Encoded> {
  return {
    async *[Symbol.asyncIterator]() {
      for (const m of messages) yield m;
      if (fail) throw fail;
    },
    headers: { "x-switchyard-deployment": "d1" },
    trailers: {},
    cancel() {},
  };
}

function routerWith(
  chat: () => Promise<connect.UnaryResult<Encoded>>,
  streamChat: () => connect.ServerStream<Encoded>,
) {
  return {
    chat,
    streamChat,
    embed: chat,
    complete: chat,
    streamComplete: streamChat,
    rerank: chat,
    transcribe: chat,
    speak: chat,
    generateImages: chat,
    varyImage: chat,
    listModels: async () => [],
    listDeployments: async () => [],
  } as RouterClient;
}

const chunkBytes = Buffer.from(
  toBinary(router.StreamChatResponseSchema, create(router.StreamChatResponseSchema, { chunk: { id: "c" } })),
);
const lastBytes = Buffer.from(
  toBinary(router.StreamChatResponseSchema, create(router.StreamChatResponseSchema, { charge })),
);

describe("limitRouter", () => {
  it("settles a completion with its charge and adds the rate-limit headers", async () => {
    const limiter = recordingLimiter();
    const value = Buffer.from(
      toBinary(router.ChatResponseSchema, create(router.ChatResponseSchema, { completion: { id: "x" }, charge })),
    );
    const wrapped = limitRouter(
      routerWith(
        async () => ({ value, headers: { a: "1" }, trailers: {} }),
        () => stream([]),
      ),
      limiter,
    );
    const result = await wrapped.chat(request, ctx);
    assert.deepEqual(result.headers, { a: "1", "x-ratelimit-limit-requests": "5" });
    assert.equal(limiter.settled[0]?.charge?.costNanos, 42n);
  });

  it("settles a failed call with its error and keeps the headers on the error", async () => {
    const limiter = recordingLimiter();
    const failure = new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "down" });
    const wrapped = limitRouter(
      routerWith(
        () => Promise.reject(failure),
        () => stream([]),
      ),
      limiter,
    );
    await assert.rejects(
      wrapped.chat(request, ctx),
      (err: GatewayError) => err.meta["x-ratelimit-limit-requests"] === "5",
    );
    assert.equal(limiter.settled[0]?.error?.errorClass, llm.ErrorClass.UNAVAILABLE);
  });

  it("does not call the router when admission refuses", async () => {
    let called = false;
    const wrapped = limitRouter(
      routerWith(
        async () => {
          called = true;
          throw new Error("unreachable");
        },
        () => stream([]),
      ),
      recordingLimiter(false),
    );
    await assert.rejects(
      wrapped.chat(request, ctx),
      (err: GatewayError) => err.errorClass === llm.ErrorClass.RATE_LIMITED,
    );
    assert.equal(called, false);
  });

  it("settles a stream once with the last charge, including when the reader stops early", async () => {
    const limiter = recordingLimiter();
    const wrapped = limitRouter(
      routerWith(
        () => Promise.reject(new Error()),
        () => stream([chunkBytes, lastBytes]),
      ),
      limiter,
    );
    const s = wrapped.streamChat(request, ctx);
    for await (const _ of s) {
      // read all
    }
    assert.equal(s.headers["x-switchyard-deployment"], "d1");
    assert.equal(s.headers["x-ratelimit-limit-requests"], "5");
    assert.deepEqual(
      limiter.settled.map((o) => o.charge?.costNanos),
      [42n],
    );

    const early = recordingLimiter();
    const cut = limitRouter(
      routerWith(
        () => Promise.reject(new Error()),
        () => stream([chunkBytes, chunkBytes]),
      ),
      early,
    );
    for await (const _ of cut.streamChat(request, ctx)) break;
    assert.equal(early.settled.length, 1);
    assert.equal(early.settled[0]?.started, true);
    assert.equal(early.settled[0]?.error?.errorClass, llm.ErrorClass.CANCELLED);
  });
});

/** A limited router whose limiter records the admission shapes it is asked about and admits everything. */
function recordingShapes(): { shapes: AdmitShape[]; limited: RouterClient } {
  const shapes: AdmitShape[] = [];
  const limiter: Limiter = {
    async admit(shape) {
      shapes.push(shape as AdmitShape);
      return undefined;
    },
  };
  const answer = async () => ({ value: Buffer.alloc(0), headers: {}, trailers: {} });
  return {
    shapes,
    limited: limitRouter(
      routerWith(answer, () => stream([])),
      limiter,
    ),
  };
}

describe("rate-limit headers", () => {
  it("admits image requests with the images they generate, so their price is reserved", async () => {
    const { shapes, limited } = recordingShapes();
    await limited.generateImages(create(llm.ImageGenerationRequestSchema, { model: "img", n: 3 }), ctx);
    await limited.generateImages(create(llm.ImageGenerationRequestSchema, { model: "img" }), ctx);
    await limited.varyImage(create(llm.ImageVariationRequestSchema, { model: "img", n: 1_000 }), ctx);
    await limited.speak(create(llm.SpeechRequestSchema, { model: "tts" }), ctx);
    assert.deepEqual(
      shapes.map((s) => s.images ?? 0),
      [3, 1, 128, 0],
    );
  });

  it("admits a transcription with its audio's length and speech with its characters, so their price is reserved", async () => {
    const { shapes, limited } = recordingShapes();
    const hear = (file: Uint8Array, filename: string) =>
      limited.transcribe(create(llm.TranscriptionRequestSchema, { model: "stt", file, filename }), ctx);
    await hear(wavFile(2.5), "a.wav");
    await hear(mp3File(100), "a.mp3");
    await hear(Buffer.from("not audio"), "a.bin");
    await limited.speak(create(llm.SpeechRequestSchema, { model: "tts", input: "héllo 👋" }), ctx);
    const [wav, mp3, unknown, speech] = shapes as [AdmitShape, AdmitShape, AdmitShape, AdmitShape];
    assert.equal(await wav.audioMillis?.(), 2_500);
    assert.equal(await mp3.audioMillis?.(), Math.ceil(100 * MP3_FRAME_SECONDS * 1000));
    assert.equal(await unknown.audioMillis?.(), 0, "an unreadable length reserves nothing; the charge settles it");
    assert.equal(await speech.promptTokens(), 7, "characters, as speech is billed");
    assert.equal(speech.audioMillis, undefined);
  });

  it("counts a rerank's search units as Cohere bills them: 100 documents each, long documents once per 500 tokens", async () => {
    assert.equal(await searchUnits("q", ["short"]), 1);
    assert.equal(
      await searchUnits(
        "q",
        Array.from({ length: 100 }, () => "short"),
      ),
      1,
    );
    assert.equal(
      await searchUnits(
        "q",
        Array.from({ length: 101 }, () => "short"),
      ),
      2,
    );
    // Two documents of about 1,200 tokens each count as three each: six documents, one unit.
    const long = "word ".repeat(1_200);
    assert.equal(await searchUnits("q", [long, long]), 1);
    assert.equal(
      await searchUnits(
        "q",
        Array.from({ length: 40 }, () => long),
      ),
      2,
    );
    const { shapes, limited } = recordingShapes();
    await limited.rerank(
      create(llm.RerankRequestSchema, { model: "rank", query: "q", documents: [{ text: "a" }, { text: "b" }] }),
      ctx,
    );
    assert.equal(await shapes[0]?.queries?.(), 1);
  });

  it("formats OpenAI's reset durations", () => {
    assert.equal(formatReset(20), "20ms");
    assert.equal(formatReset(1_000), "1s");
    assert.equal(formatReset(59_001), "1m0s");
    assert.equal(formatReset(360_000), "6m0s");
  });

  it("reports the limits the principal has, and only those", () => {
    const res = create(policy.AdmitResponseSchema, { requests: { limit: 10n, remaining: 3n, resetMs: 1500n } });
    assert.deepEqual(rateLimitHeaders(res), {
      "x-ratelimit-limit-requests": "10",
      "x-ratelimit-remaining-requests": "3",
      "x-ratelimit-reset-requests": "2s",
    });
  });

  it("finds the charge of the router's answers where the shared reader looks (field 2)", () => {
    assert.equal(readCharge(lastBytes)?.costNanos, 42n);
    assert.equal(readCharge(chunkBytes), undefined);
    assert.equal(readCharge(Buffer.from([0xff, 0xff, 0xff])), undefined);
  });
});
