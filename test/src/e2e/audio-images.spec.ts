// /v1/audio/transcriptions, /v1/audio/speech, /v1/images/generations and /v1/images/variations, and their
// GatewayService counterparts, through the real mesh: the OpenAI SDK as the client, one fake upstream speaking
// OpenAI's, Deepgram's, ElevenLabs' and Topaz's wire formats, every JSON answer validated against OpenAI's spec.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { type Mesh, startMesh } from "@switchyard/launcher";
import { MP3_FRAME_SECONDS, mp3File } from "@switchyard/openai/audio-testkit";
import { gateway } from "@switchyard/proto";
import { callUnary, createClient, GatewayError } from "@switchyard/runtime";
import OpenAI, { toFile } from "openai";
import { assertErrorResponse, assertSchema } from "../conformance.js";
import {
  FAKE_AUDIO,
  FAKE_MEDIA_KEYS,
  FAKE_PNG,
  FAKE_TRANSCRIPT,
  type FakeMedia,
  makeWav,
  startFakeMedia,
} from "../fakes/index.js";
import { MASTER_KEY } from "./setup.js";

const BODY_LIMIT = 2_000_000;
let fake: FakeMedia;
let mesh: Mesh;
let client: OpenAI;
const wav = makeWav(1);

before(async () => {
  fake = await startFakeMedia();
  const dir = mkdtempSync(join(tmpdir(), "switchyard-media-e2e-"));
  const configPath = join(dir, "config.yaml");
  const oai = `api_base: "${fake.url}/v1", api_key: os.environ/E2E_OPENAI_KEY`;
  writeFileSync(
    configPath,
    `
model_list:
  - model_name: whisper-1
    litellm_params: { model: openai/whisper-1, ${oai} }
    model_info: { id: oai-whisper }
  - model_name: flaky-stt
    litellm_params: { model: openai/whisper-1, ${oai} }
    model_info: { id: flaky-stt }
  - model_name: groq-whisper
    litellm_params: { model: groq/whisper-large-v3, ${oai} }
    model_info: { id: groq-whisper }
  - model_name: nova-3
    litellm_params: { model: deepgram/nova-3, api_base: "${fake.url}/v1", api_key: os.environ/E2E_DEEPGRAM_KEY }
    model_info: { id: dg-nova }
  - model_name: scribe
    litellm_params: { model: elevenlabs/scribe_v1, api_base: "${fake.url}", api_key: os.environ/E2E_ELEVENLABS_KEY }
    model_info: { id: el-scribe }
  - model_name: eleven-tts
    litellm_params: { model: elevenlabs/eleven_multilingual_v2, api_base: "${fake.url}", api_key: os.environ/E2E_ELEVENLABS_KEY }
    model_info: { id: el-tts }
  - model_name: tts-1
    litellm_params: { model: openai/tts-1, ${oai} }
    model_info: { id: oai-tts }
  - model_name: dall-e-3
    litellm_params: { model: openai/dall-e-3, ${oai} }
    model_info: { id: oai-dalle3 }
  - model_name: dall-e-2
    litellm_params: { model: openai/dall-e-2, ${oai} }
    model_info: { id: oai-dalle2 }
  - model_name: topaz-enhance
    litellm_params: { model: "topaz/Standard V2", api_base: "${fake.url}/image/v1", api_key: os.environ/E2E_TOPAZ_KEY, input_cost_per_image: 0.08 }
    model_info: { id: topaz }
  - model_name: wrong-key
    litellm_params: { model: deepgram/nova-3, api_base: "${fake.url}/v1", api_key: os.environ/E2E_WRONG_KEY }
router_settings:
  num_retries: 0
  fallbacks: [{ flaky-stt: [nova-3] }]
general_settings:
  master_key: os.environ/SWITCHYARD_MASTER_KEY
  max_request_body_bytes: ${BODY_LIMIT}
`,
  );
  mesh = await startMesh({
    configPath,
    env: {
      SWITCHYARD_MASTER_KEY: MASTER_KEY,
      E2E_OPENAI_KEY: FAKE_MEDIA_KEYS.openai,
      E2E_DEEPGRAM_KEY: FAKE_MEDIA_KEYS.deepgram,
      E2E_ELEVENLABS_KEY: FAKE_MEDIA_KEYS.elevenlabs,
      E2E_TOPAZ_KEY: FAKE_MEDIA_KEYS.topaz,
      E2E_WRONG_KEY: "dg-wrong-key",
    },
  });
  client = new OpenAI({ baseURL: `${mesh.restUrl}/v1`, apiKey: MASTER_KEY, maxRetries: 0 });
});
after(async () => {
  await mesh?.stop();
  await fake?.close();
});

const audioFile = () => toFile(wav, "hello.wav", { type: "audio/wav" });
const last = () => fake.requests.at(-1)!;

/** A multipart POST with fetch, for cases the SDK would refuse to send. */
async function postForm(path: string, form: FormData, key = MASTER_KEY) {
  const res = await fetch(`${mesh.restUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text.startsWith("{") ? JSON.parse(text) : undefined };
}

async function postJson(path: string, body: unknown) {
  const res = await fetch(`${mesh.restUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    json: (await res.json()) as { error: { param: string; message: string } },
  };
}

function audioForm(fields: Record<string, string>, withFile = true): FormData {
  const form = new FormData();
  if (withFile) form.append("file", new Blob([wav], { type: "audio/wav" }), "hello.wav");
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return form;
}

describe("audio transcriptions through the mesh", () => {
  it("answers the OpenAI SDK from OpenAI's /audio/transcriptions, as multipart upstream, priced per second", async () => {
    const raw = await client.audio.transcriptions
      .create({ model: "whisper-1", file: await audioFile(), language: "en", temperature: 0.2 })
      .withResponse();
    assert.equal(raw.data.text, FAKE_TRANSCRIPT);
    assertSchema("CreateTranscriptionResponseJson", raw.data);
    assert.equal(raw.response.headers.get("x-switchyard-deployment"), "oai-whisper");
    // whisper-1: $0.0001 per second, one second of audio.
    assert.equal(Number(raw.response.headers.get("x-switchyard-response-cost")), 0.0001);
    const sent = last();
    assert.equal(sent.path, "/v1/audio/transcriptions");
    assert.equal(sent.headers.authorization, `Bearer ${FAKE_MEDIA_KEYS.openai}`);
    const upload = sent.form?.file?.[0] as { name: string; type: string; bytes: Buffer };
    assert.equal(upload.name, "hello.wav");
    assert.equal(upload.type, "audio/wav");
    assert.ok(upload.bytes.equals(wav));
    assert.deepEqual(sent.form?.model, ["whisper-1"]);
    assert.deepEqual(sent.form?.language, ["en"]);
    assert.deepEqual(sent.form?.temperature, ["0.2"]);
  });

  it("renders verbose_json with words and segments, and text, srt and vtt as the upstream wrote them", async () => {
    const verbose = await client.audio.transcriptions.create({
      model: "whisper-1",
      file: await audioFile(),
      response_format: "verbose_json",
      timestamp_granularities: ["word", "segment"],
    });
    assertSchema("CreateTranscriptionResponseVerboseJson", verbose);
    assert.equal(verbose.words?.[0]?.word, "Hello");
    assert.equal(verbose.segments?.[0]?.tokens.length, 2);
    assert.deepEqual(last().form?.["timestamp_granularities[]"], ["word", "segment"]);
    const text = await client.audio.transcriptions.create({
      model: "whisper-1",
      file: await audioFile(),
      response_format: "text",
    });
    assert.equal(text, `${FAKE_TRANSCRIPT}\n`);
    const srt = await postForm("/v1/audio/transcriptions", audioForm({ model: "whisper-1", response_format: "srt" }));
    assert.equal(srt.status, 200);
    assert.match(srt.headers.get("content-type") ?? "", /^text\/plain/);
    assert.match(srt.text, /^1\n00:00:00,000 --> /);
  });

  it("transcribes with Deepgram: raw audio to /v1/listen with a Token key, priced per second", async () => {
    const raw = await client.audio.transcriptions
      .create({ model: "nova-3", file: await audioFile(), language: "en" })
      .withResponse();
    assert.equal(raw.data.text, FAKE_TRANSCRIPT);
    assertSchema("CreateTranscriptionResponseJson", raw.data);
    assert.equal(Number(raw.response.headers.get("x-switchyard-response-cost")), 0.00007167);
    const sent = last();
    assert.equal(sent.path, "/v1/listen");
    assert.equal(sent.query.get("model"), "nova-3");
    assert.equal(sent.query.get("language"), "en");
    assert.equal(sent.query.get("smart_format"), "true");
    assert.equal(sent.headers.authorization, `Token ${FAKE_MEDIA_KEYS.deepgram}`);
    assert.equal(sent.headers["content-type"], "audio/wav");
    assert.ok(sent.raw.equals(wav));
    const verbose = await client.audio.transcriptions.create({
      model: "nova-3",
      file: await audioFile(),
      response_format: "verbose_json",
      timestamp_granularities: ["word"],
    });
    assertSchema("CreateTranscriptionResponseVerboseJson", verbose);
    assert.equal(verbose.duration, 1);
    assert.deepEqual(verbose.words, [{ word: "Hello", start: 0.1, end: 0.5 }]);
    const srt = await postForm("/v1/audio/transcriptions", audioForm({ model: "nova-3", response_format: "srt" }));
    assert.equal(srt.status, 400);
    assert.equal(srt.json.error.param, "response_format");
    assert.match(srt.json.error.message, /deepgram does not support parameter "response_format"/);
  });

  it("transcribes with Groq (OpenAI-compatible) and ElevenLabs Scribe", async () => {
    const groq = await client.audio.transcriptions.create({ model: "groq-whisper", file: await audioFile() });
    assert.equal(groq.text, FAKE_TRANSCRIPT);
    assert.deepEqual(last().form?.model, ["whisper-large-v3"]);
    const scribe = await client.audio.transcriptions
      .create({ model: "scribe", file: await audioFile(), language: "en" })
      .withResponse();
    assert.equal(scribe.data.text, FAKE_TRANSCRIPT);
    assertSchema("CreateTranscriptionResponseJson", scribe.data);
    const sent = last();
    assert.equal(sent.path, "/v1/speech-to-text");
    assert.equal(sent.headers["xi-api-key"], FAKE_MEDIA_KEYS.elevenlabs);
    assert.deepEqual(sent.form?.model_id, ["scribe_v1"]);
    assert.deepEqual(sent.form?.language_code, ["en"]);
    // Duration read from the WAV header (ElevenLabs reports none): $0.40 / hour for one second.
    assert.ok(Number(scribe.response.headers.get("x-switchyard-response-cost")) > 0);
    // An MP3 without a length header: its frames are counted, 200 of them 5.22 s, at $0.40 / hour about $0.00058.
    const mp3 = await client.audio.transcriptions
      .create({ model: "scribe", file: await toFile(mp3File(200), "hello.mp3", { type: "audio/mpeg" }) })
      .withResponse();
    const cost = Number(mp3.response.headers.get("x-switchyard-response-cost"));
    const expected = (200 * MP3_FRAME_SECONDS * 0.4) / 3600;
    assert.ok(Math.abs(cost - expected) < 0.00001, `cost ${cost}, expected about ${expected}`);
  });

  it("falls back to the next group when the upstream fails, and maps upstream auth errors", async () => {
    fake.script({ status: 503, body: { error: { message: "overloaded", type: "server_error" } } });
    const raw = await client.audio.transcriptions
      .create({ model: "flaky-stt", file: await audioFile() })
      .withResponse();
    assert.equal(raw.data.text, FAKE_TRANSCRIPT);
    assert.equal(raw.response.headers.get("x-switchyard-deployment"), "dg-nova");
    assert.equal(raw.response.headers.get("x-switchyard-attempts"), "2");
    const denied = await postForm("/v1/audio/transcriptions", audioForm({ model: "wrong-key" }));
    assert.equal(denied.status, 401);
    assertErrorResponse(denied.json);
    assert.doesNotMatch(denied.text, /dg-wrong-key/);
  });

  it("refuses bad forms naming the field, a wrong key with 401, and a body over the limit with 413", async () => {
    const cases: Array<[FormData, string]> = [
      [audioForm({ model: "whisper-1" }, false), "file"],
      [audioForm({}), "model"],
      [audioForm({ model: "whisper-1", response_format: "xml" }), "response_format"],
      [audioForm({ model: "whisper-1", temperature: "3" }), "temperature"],
      [audioForm({ model: "whisper-1", "timestamp_granularities[]": "char" }), "timestamp_granularities[0]"],
    ];
    for (const [form, param] of cases) {
      const res = await postForm("/v1/audio/transcriptions", form);
      assert.equal(res.status, 400, param);
      assertErrorResponse(res.json);
      assert.equal(res.json.error.param, param);
    }
    const bad = await postForm("/v1/audio/transcriptions", audioForm({ model: "whisper-1" }), "sk-wrong");
    assert.equal(bad.status, 401);
    const big = new FormData();
    big.append("model", "whisper-1");
    big.append("file", new Blob([Buffer.alloc(BODY_LIMIT + 1)], { type: "audio/wav" }), "big.wav");
    const tooLarge = await postForm("/v1/audio/transcriptions", big);
    assert.equal(tooLarge.status, 413);
    assertErrorResponse(tooLarge.json);
    const json = await postJson("/v1/audio/transcriptions", { model: "whisper-1" });
    assert.equal(json.status, 400);
  });
});

describe("speech through the mesh", () => {
  it("answers the OpenAI SDK with OpenAI's audio bytes and content type, priced per character", async () => {
    const raw = await client.audio.speech
      .create({ model: "tts-1", input: "Hello there", voice: "alloy", response_format: "mp3", speed: 1.25 })
      .withResponse();
    assert.equal(raw.response.headers.get("content-type"), "audio/mpeg");
    assert.ok(Buffer.from(await raw.data.arrayBuffer()).equals(FAKE_AUDIO));
    // tts-1: $15 per 1M characters, 11 characters.
    assert.equal(Number(raw.response.headers.get("x-switchyard-response-cost")), 0.000165);
    assert.deepEqual(last().json, {
      model: "tts-1",
      input: "Hello there",
      voice: "alloy",
      response_format: "mp3",
      speed: 1.25,
    });
  });

  it("speaks with ElevenLabs: the voice in the path, output_format in the query, xi-api-key", async () => {
    const res = await client.audio.speech.create({
      model: "eleven-tts",
      input: "Bonjour",
      voice: "21m00Tcm4TlvDq8ikWAM",
    });
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(FAKE_AUDIO));
    const sent = last();
    assert.equal(sent.path, "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM");
    assert.equal(sent.query.get("output_format"), "mp3_44100_128");
    assert.equal(sent.headers["xi-api-key"], FAKE_MEDIA_KEYS.elevenlabs);
    assert.deepEqual(sent.json, { text: "Bonjour", model_id: "eleven_multilingual_v2" });
    const wavAsked = await postJson("/v1/audio/speech", {
      model: "eleven-tts",
      input: "x",
      voice: "v",
      response_format: "flac",
    });
    assert.equal(wavAsked.status, 400);
    assert.equal(wavAsked.json.error.param, "response_format");
  });

  it("refuses bad bodies naming the field", async () => {
    const cases: Array<[unknown, string]> = [
      [{ model: "tts-1", voice: "alloy" }, "input"],
      [{ model: "tts-1", input: "x" }, "voice"],
      [{ model: "tts-1", input: "x", voice: "alloy", response_format: "ogg" }, "response_format"],
      [{ model: "tts-1", input: "x", voice: "alloy", speed: 9 }, "speed"],
      [{ model: "tts-1", input: "x".repeat(4097), voice: "alloy" }, "input"],
    ];
    for (const [body, param] of cases) {
      const res = await postJson("/v1/audio/speech", body);
      assert.equal(res.status, 400, param);
      assertErrorResponse(res.json);
      assert.equal(res.json.error.param, param);
    }
  });
});

describe("images through the mesh", () => {
  it("generates with the OpenAI SDK, as OpenAI's ImagesResponse, priced per image", async () => {
    const raw = await client.images
      .generate({ model: "dall-e-3", prompt: "a lighthouse", n: 1, size: "1024x1024", response_format: "b64_json" })
      .withResponse();
    assertSchema("ImagesResponse", raw.data);
    assert.equal(raw.data.data?.[0]?.b64_json, FAKE_PNG.toString("base64"));
    assert.equal(raw.data.data?.[0]?.revised_prompt, "a lighthouse (revised)");
    assert.equal(Number(raw.response.headers.get("x-switchyard-response-cost")), 0.04);
    assert.deepEqual(last().json, {
      model: "dall-e-3",
      prompt: "a lighthouse",
      n: 1,
      size: "1024x1024",
      response_format: "b64_json",
    });
    const urls = await client.images.generate({ model: "dall-e-2", prompt: "a cat", n: 2 });
    assertSchema("ImagesResponse", urls);
    assert.equal(urls.data?.length, 2);
    assert.match(urls.data?.[0]?.url ?? "", /^https:\/\/images\.example\//);
    const bad = await postJson("/v1/images/generations", { model: "dall-e-3", prompt: "x", n: 11 });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, "n");
  });

  it("makes variations with OpenAI (multipart upstream) and Topaz (enhanced bytes as b64_json)", async () => {
    const raw = await client.images
      .createVariation({ model: "dall-e-2", image: await toFile(FAKE_PNG, "in.png", { type: "image/png" }), n: 2 })
      .withResponse();
    assertSchema("ImagesResponse", raw.data);
    assert.equal(raw.data.data?.length, 2);
    assert.equal(Number(raw.response.headers.get("x-switchyard-response-cost")), 0.04);
    let sent = last();
    assert.equal(sent.path, "/v1/images/variations");
    assert.deepEqual(sent.form?.n, ["2"]);
    const upload = sent.form?.image?.[0] as { bytes: Buffer } | undefined;
    assert.ok(upload?.bytes.equals(FAKE_PNG));
    const topaz = await client.images
      .createVariation({
        model: "topaz-enhance",
        image: await toFile(FAKE_PNG, "in.png", { type: "image/png" }),
        response_format: "b64_json",
      })
      .withResponse();
    assertSchema("ImagesResponse", topaz.data);
    assert.equal(topaz.data.data?.[0]?.b64_json, FAKE_PNG.toString("base64"));
    assert.equal(Number(topaz.response.headers.get("x-switchyard-response-cost")), 0.08);
    sent = last();
    assert.equal(sent.path, "/image/v1/enhance");
    assert.equal(sent.headers["x-api-key"], FAKE_MEDIA_KEYS.topaz);
    assert.deepEqual(sent.form?.model, ["Standard V2"]);
    const url = new FormData();
    url.append("model", "topaz-enhance");
    url.append("image", new Blob([FAKE_PNG], { type: "image/png" }), "in.png");
    const refused = await postForm("/v1/images/variations", url);
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error.param, "response_format");
  });

  it("refuses chat on an audio-only provider, naming it", async () => {
    const res = await postJson("/v1/chat/completions", {
      model: "nova-3",
      messages: [{ role: "user", content: "hi" }],
    });
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /deepgram does not support chat completions/);
  });
});

describe("GatewayService audio and image RPCs", () => {
  it("serves CreateTranscription, CreateSpeech, CreateImage and CreateImageVariation to a plain gRPC client", async () => {
    const grpcClient = createClient(mesh.grpcAddress);
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${MASTER_KEY}`);
    try {
      const stt = await callUnary(
        grpcClient,
        gateway.GatewayService.method.createTranscription,
        create(gateway.CreateTranscriptionRequestSchema, {
          request: { model: "nova-3", file: wav, filename: "a.wav", contentType: "audio/wav" },
        }),
        { metadata: md },
      );
      assert.equal(stt.value.response?.text, FAKE_TRANSCRIPT);
      assert.equal(stt.value.response?.durationSeconds, 1);
      assert.ok((stt.value.charge?.costNanos ?? 0n) > 0n);
      const tts = await callUnary(
        grpcClient,
        gateway.GatewayService.method.createSpeech,
        create(gateway.CreateSpeechRequestSchema, { request: { model: "tts-1", input: "hi", voice: "alloy" } }),
        { metadata: md },
      );
      assert.ok(Buffer.from(tts.value.response?.audio ?? []).equals(FAKE_AUDIO));
      assert.equal(tts.value.response?.contentType, "audio/mpeg");
      const image = await callUnary(
        grpcClient,
        gateway.GatewayService.method.createImage,
        create(gateway.CreateImageRequestSchema, { request: { model: "dall-e-3", prompt: "a boat" } }),
        { metadata: md },
      );
      assert.equal(image.value.response?.data.length, 1);
      assert.equal(image.value.charge?.costNanos, 40_000_000n);
      const variation = await callUnary(
        grpcClient,
        gateway.GatewayService.method.createImageVariation,
        create(gateway.CreateImageVariationRequestSchema, {
          request: { model: "topaz-enhance", image: FAKE_PNG, responseFormat: "b64_json" },
        }),
        { metadata: md },
      );
      assert.equal(variation.value.response?.data[0]?.b64Json, FAKE_PNG.toString("base64"));
      await assert.rejects(
        callUnary(
          grpcClient,
          gateway.GatewayService.method.createTranscription,
          create(gateway.CreateTranscriptionRequestSchema, { request: { model: "nova-3" } }),
          { metadata: md },
        ),
        (err: unknown) => {
          assert.match(GatewayError.from(err).message, /request\.file: expected the audio bytes/);
          return true;
        },
      );
    } finally {
      grpcClient.close();
    }
  });
});
