// A fake of the audio and image APIs, on one server: OpenAI's /v1/audio/transcriptions, /v1/audio/speech,
// /v1/images/generations and /v1/images/variations (Bearer auth), Deepgram's /v1/listen (`Token` auth, raw audio),
// ElevenLabs' /v1/text-to-speech/{voice} and /v1/speech-to-text (`xi-api-key`) and Topaz's /image/v1/enhance
// (`X-API-Key`, image bytes back). Multipart bodies are parsed with the platform's FormData; binary bodies are kept.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { wavFile } from "@switchyard/openai/audio-testkit";

/** The keys the fake accepts, one per provider. */
export const FAKE_MEDIA_KEYS = {
  openai: "sk-fake-openai-media",
  deepgram: "dg-fake-key",
  elevenlabs: "xi-fake-key",
  topaz: "topaz-fake-key",
} as const;

/** The transcript every fake speech-to-text answers. */
export const FAKE_TRANSCRIPT = "Hello from the fake upstream.";
/** The audio bytes every fake text-to-speech answers. */
export const FAKE_AUDIO = Buffer.from("ID3\u0004fake-mp3-bytes");
/** The image bytes Topaz answers (a PNG signature and some bytes). */
export const FAKE_PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

/** An uploaded file as the fake received it. */
export interface ReceivedFile {
  readonly name: string;
  readonly type: string;
  readonly bytes: Buffer;
}

/** One request the fake received. */
export interface MediaRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
  readonly json?: Record<string, unknown>;
  /** Multipart fields: strings, or files; a repeated field keeps every value. */
  readonly form?: Record<string, Array<string | ReceivedFile>>;
}

/** A scripted answer for the next request. */
export interface MediaReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A running fake. */
export interface FakeMedia {
  readonly url: string;
  readonly requests: MediaRequest[];
  script(reply: MediaReply): void;
  close(): Promise<void>;
}

/** Seconds of a PCM WAV, from its header (the fakes bill the real duration). */
export function wavDuration(bytes: Buffer): number {
  if (bytes.length < 44 || bytes.toString("ascii", 0, 4) !== "RIFF") return 0;
  return bytes.readUInt32LE(40) / bytes.readUInt32LE(28);
}

/** A mono 16-bit PCM WAV of `seconds` of a quiet tone at `rate` Hz. */
export function makeWav(seconds: number, rate = 16_000): Buffer {
  const buf = wavFile(seconds, rate);
  const samples = (buf.length - 44) / 2;
  for (let i = 0; i < samples; i++)
    buf.writeInt16LE(Math.round(800 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return buf;
}

async function parseForm(raw: Buffer, type: string): Promise<Record<string, Array<string | ReceivedFile>>> {
  const data = await new Response(raw, { headers: { "content-type": type } }).formData();
  const out: Record<string, Array<string | ReceivedFile>> = {};
  for (const [name, value] of data.entries()) {
    const item =
      typeof value === "string"
        ? value
        : { name: (value as File).name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) };
    const list = out[name] ?? [];
    list.push(item);
    out[name] = list;
  }
  return out;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (Buffer.isBuffer(body)) {
    res.writeHead(status, { "content-type": "application/octet-stream", ...headers }).end(body);
  } else if (typeof body === "string") {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers }).end(body);
  } else {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  }
}

const field = (req: MediaRequest, name: string) => req.form?.[name]?.[0];
const file = (req: MediaRequest, name: string) => field(req, name) as ReceivedFile | undefined;

function openaiTranscription(req: MediaRequest): [number, unknown] {
  const audio = file(req, "file");
  if (!audio || audio.bytes.length === 0) {
    return [400, { error: { message: "file is required", type: "invalid_request_error", param: "file", code: null } }];
  }
  const duration = wavDuration(audio.bytes);
  const format = (field(req, "response_format") as string | undefined) ?? "json";
  if (format === "text") return [200, `${FAKE_TRANSCRIPT}\n`];
  if (format === "srt") return [200, `1\n00:00:00,000 --> 00:00:01,000\n${FAKE_TRANSCRIPT}\n\n`];
  if (format === "vtt") return [200, `WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n${FAKE_TRANSCRIPT}\n\n`];
  if (format === "json")
    return [200, { text: FAKE_TRANSCRIPT, usage: { type: "duration", seconds: Math.ceil(duration) } }];
  const granularities = req.form?.["timestamp_granularities[]"] ?? [];
  return [
    200,
    {
      task: "transcribe",
      language: "english",
      duration,
      text: FAKE_TRANSCRIPT,
      ...(granularities.includes("word") ? { words: [{ word: "Hello", start: 0, end: 0.4 }] } : {}),
      segments: [
        {
          id: 0,
          seek: 0,
          start: 0,
          end: duration,
          text: FAKE_TRANSCRIPT,
          tokens: [50364, 2425],
          temperature: 0,
          avg_logprob: -0.2,
          compression_ratio: 0.9,
          no_speech_prob: 0.01,
        },
      ],
      usage: { type: "duration", seconds: Math.ceil(duration) },
    },
  ];
}

function images(req: MediaRequest, n: number, format: string, prompt?: string): [number, unknown] {
  const data = Array.from({ length: n }, (_, i) =>
    format === "b64_json"
      ? { b64_json: FAKE_PNG.toString("base64"), ...(prompt ? { revised_prompt: `${prompt} (revised)` } : {}) }
      : { url: `https://images.example/${req.path.split("/").pop()}-${i}.png` },
  );
  return [200, { created: 1_700_000_000, data }];
}

type Route = (req: MediaRequest) => [number, unknown, Record<string, string>?];

const openaiError = (status: number, message: string) => ({
  error: { message, type: status === 401 ? "invalid_request_error" : "server_error", param: null, code: null },
});

const ROUTES: Array<{
  match: (path: string) => boolean;
  auth: (h: IncomingHttpHeaders) => boolean;
  deny: unknown;
  run: Route;
}> = [
  {
    match: (p) => p.startsWith("/v1/audio/") || p.startsWith("/v1/images/"),
    auth: (h) => h.authorization === `Bearer ${FAKE_MEDIA_KEYS.openai}`,
    deny: openaiError(401, "Incorrect API key provided: sk-wr**ng."),
    run: (req) => {
      if (req.path === "/v1/audio/transcriptions") return openaiTranscription(req);
      if (req.path === "/v1/audio/speech") return [200, FAKE_AUDIO, { "content-type": "audio/mpeg" }];
      if (req.path === "/v1/images/generations") {
        const body = req.json ?? {};
        return images(req, Number(body.n ?? 1), String(body.response_format ?? "url"), String(body.prompt ?? ""));
      }
      if (req.path === "/v1/images/variations") {
        return images(req, Number(field(req, "n") ?? 1), String(field(req, "response_format") ?? "url"));
      }
      return [404, openaiError(404, "not found")];
    },
  },
  {
    match: (p) => p === "/v1/listen",
    auth: (h) => h.authorization === `Token ${FAKE_MEDIA_KEYS.deepgram}`,
    deny: { err_code: "INVALID_AUTH", err_msg: "Invalid credentials.", request_id: "r-1" },
    run: (req) => [
      200,
      {
        metadata: { request_id: "r-1", duration: wavDuration(req.raw), channels: 1 },
        results: {
          channels: [
            {
              detected_language: "en",
              alternatives: [
                {
                  transcript: FAKE_TRANSCRIPT,
                  confidence: 0.99,
                  words: [{ word: "hello", punctuated_word: "Hello", start: 0.1, end: 0.5, confidence: 0.99 }],
                },
              ],
            },
          ],
        },
      },
    ],
  },
  {
    match: (p) => p.startsWith("/v1/text-to-speech/") || p === "/v1/speech-to-text",
    auth: (h) => h["xi-api-key"] === FAKE_MEDIA_KEYS.elevenlabs,
    deny: { detail: { status: "invalid_api_key", message: "Invalid API key" } },
    run: (req) =>
      req.path === "/v1/speech-to-text"
        ? [
            200,
            {
              language_code: "eng",
              language_probability: 0.98,
              text: FAKE_TRANSCRIPT,
              words: [
                { text: "Hello", start: 0, end: 0.4, type: "word" },
                { text: " ", start: 0.4, end: 0.5, type: "spacing" },
              ],
            },
          ]
        : [200, FAKE_AUDIO, { "content-type": "audio/mpeg" }],
  },
  {
    match: (p) => p === "/image/v1/enhance",
    auth: (h) => h["x-api-key"] === FAKE_MEDIA_KEYS.topaz,
    deny: { message: "Unauthorized" },
    run: (req) =>
      file(req, "image") ? [200, FAKE_PNG, { "content-type": "image/png" }] : [400, { message: "image required" }],
  },
];

/** Starts the fake on 127.0.0.1. */
export async function startFakeMedia(): Promise<FakeMedia> {
  const requests: MediaRequest[] = [];
  const queue: MediaReply[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      (async () => {
        const raw = Buffer.concat(parts);
        const [path = "", query = ""] = (req.url ?? "").split("?");
        const type = req.headers["content-type"] ?? "";
        const recorded: MediaRequest = {
          path,
          query: new URLSearchParams(query),
          headers: req.headers,
          raw,
          ...(type.startsWith("application/json") ? { json: JSON.parse(raw.toString("utf8")) } : {}),
          ...(type.startsWith("multipart/form-data") ? { form: await parseForm(raw, type) } : {}),
        };
        requests.push(recorded);
        const scripted = queue.shift();
        if (scripted) return send(res, scripted.status, scripted.body, { ...scripted.headers });
        const route = ROUTES.find((r) => r.match(path));
        if (!route) return send(res, 404, { error: { message: "not found" } });
        if (!route.auth(req.headers)) return send(res, 401, route.deny);
        const [status, body, headers] = route.run(recorded);
        send(res, status, body, headers);
      })().catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (reply) => queue.push(reply),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
