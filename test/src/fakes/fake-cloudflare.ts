// A fake Cloudflare Workers AI (https://developers.cloudflare.com/api/resources/ai/methods/run/): POST
// /client/v4/accounts/{account_id}/ai/run/{model} with a Bearer API token, answering the v4 envelope
// {"result":{"response","usage"},"success":true,"errors":[],"messages":[]}, or with `stream: true` SSE frames
// `data: {"response":"...","p":"..."}`, a last frame with usage, then `data: [DONE]`. Errors use the same envelope
// with `success: false` and numbered codes.

import {
  type FakeOptions,
  type FakeProvider,
  type FakeUpstream,
  type JsonReply,
  type RecordedRequest,
  replyText,
  startFake,
  textOf,
  tokens,
  words,
} from "./fake-server.js";

/** The API token the fake accepts unless told otherwise. */
export const FAKE_CLOUDFLARE_KEY = "fake-cloudflare-token-0123456789";
/** The account the fake serves. */
export const FAKE_CLOUDFLARE_ACCOUNT = "0123456789abcdef0123456789abcdef";

type Body = Record<string, unknown>;
const RUN = `/client/v4/accounts/${FAKE_CLOUDFLARE_ACCOUNT}/ai/run/`;

export function cloudflareError(status: number, code: number, message: string): JsonReply {
  return { status, body: { result: null, success: false, errors: [{ code, message }], messages: [] } };
}

function compute(body: Body) {
  const text = replyText("cloudflare", body.messages);
  const prompt = tokens(textOf(body.messages));
  const output = tokens(text);
  return { text, usage: { prompt_tokens: prompt, completion_tokens: output, total_tokens: prompt + output } };
}

function answer(body: Body): unknown {
  const a = compute(body);
  return { result: { response: a.text, tool_calls: [], usage: a.usage }, success: true, errors: [], messages: [] };
}

function stream(body: Body): string[] {
  const a = compute(body);
  const frames = words(a.text).map((piece) => `data: ${JSON.stringify({ response: piece, p: "abcdef" })}\n\n`);
  frames.push(`data: ${JSON.stringify({ response: "", usage: a.usage })}\n\n`, "data: [DONE]\n\n");
  return frames;
}

function check(apiKey: string, req: RecordedRequest): JsonReply | undefined {
  if (req.headers.authorization !== `Bearer ${apiKey}`) return cloudflareError(401, 10000, "Authentication error");
  const body = req.body as Body;
  if (!Array.isArray(body?.messages))
    return cloudflareError(400, 5006, "AiError: Bad input: Error: oneOf at '/' not met");
  if (req.path.slice(RUN.length).startsWith("@cf/missing")) return cloudflareError(400, 5007, "No such model");
  return undefined;
}

/** Starts a fake Workers AI; deployments set `account_id` and point `api_base` at `${url}/client/v4/accounts/<id>/ai/run/`. */
export function startFakeCloudflare(options: FakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_CLOUDFLARE_KEY;
  const provider: FakeProvider = {
    path: RUN,
    serves: (path) => path.startsWith(`${RUN}@`),
    check: (req) => check(apiKey, req),
    notFound: () =>
      cloudflareError(404, 7003, "Could not route to the account, perhaps your object identifier is invalid?"),
    answer,
    stream,
  };
  return startFake(provider);
}
