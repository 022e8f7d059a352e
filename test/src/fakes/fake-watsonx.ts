// A fake IBM watsonx.ai (https://cloud.ibm.com/apidocs/watsonx-ai#text-chat) with its IAM token endpoint
// (https://cloud.ibm.com/docs/account?topic=account-iamtoken_from_apikey) on the same server: POST /identity/token
// exchanges the API key (form body) for a bearer token; POST /ml/v1/text/chat and /ml/v1/text/chat_stream (both with
// `?version=`) need that token and a project_id or space_id, answer OpenAI-shaped bodies with model_id and
// created_at, and stream `id:`/`event: message`/`data:` frames whose last one carries usage, without `[DONE]`.
// Errors are watsonx's {"errors":[{code,message}],"trace","status_code"}; IAM's are {"errorCode","errorMessage"}.

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

/** The IBM Cloud API key the fake IAM accepts unless told otherwise. */
export const FAKE_WATSONX_KEY = "fake-watsonx-apikey-0123456789";
/** The bearer token the fake IAM mints and the fake chat API accepts. */
export const FAKE_WATSONX_TOKEN = "fake-iam-access-token";

type Body = Record<string, unknown>;

export function watsonxError(status: number, code: string, message: string): JsonReply {
  return {
    status,
    body: {
      errors: [{ code, message, more_info: "https://cloud.ibm.com/apidocs/watsonx-ai" }],
      trace: "fake-trace",
      status_code: status,
    },
  };
}

function compute(body: Body) {
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: { name?: string } }>) : [];
  const forced = body.tool_choice_option === "required" || body.tool_choice !== undefined;
  const tool = forced ? tools[0]?.function?.name : undefined;
  const content = tool ? "" : replyText("watsonx", body.messages);
  const prompt = tokens(textOf(body.messages));
  const output = tokens(content) + 2;
  return {
    tool,
    content,
    finish: tool ? "tool_calls" : "stop",
    usage: { completion_tokens: output, prompt_tokens: prompt, total_tokens: prompt + output },
  };
}

const header = (body: Body, n: number) => ({
  id: `chatcmpl-fake-${n}`,
  model_id: body.model_id,
  model: body.model_id,
  created: 1765015200,
  model_version: "1.1.0",
  created_at: "2026-12-06T10:00:00.000Z",
});

function answer(body: Body | string, n: number): unknown {
  if (typeof body === "string") {
    return {
      access_token: FAKE_WATSONX_TOKEN,
      refresh_token: "not_supported",
      token_type: "Bearer",
      expires_in: 3600,
      expiration: Math.floor(Date.now() / 1000) + 3600,
      scope: "ibm openid",
    };
  }
  const a = compute(body);
  const toolCalls = a.tool
    ? [{ id: "chatcmpl-tool-fake", type: "function", function: { name: a.tool, arguments: '{"q": "cat"}' } }]
    : undefined;
  const message = { role: "assistant", ...(a.tool ? { tool_calls: toolCalls } : { content: a.content }) };
  return { ...header(body, n), choices: [{ index: 0, message, finish_reason: a.finish }], usage: a.usage };
}

function stream(body: Body, n: number): string[] {
  const a = compute(body);
  const frames: Body[] = [
    { ...header(body, n), choices: [{ index: 0, finish_reason: null, delta: { role: "assistant", content: "" } }] },
  ];
  for (const piece of words(a.content))
    frames.push({ ...header(body, n), choices: [{ index: 0, finish_reason: null, delta: { content: piece } }] });
  if (a.tool) {
    const call = {
      index: 0,
      id: "chatcmpl-tool-fake",
      type: "function",
      function: { name: a.tool, arguments: '{"q": "cat"}' },
    };
    frames.push({ ...header(body, n), choices: [{ index: 0, finish_reason: null, delta: { tool_calls: [call] } }] });
  }
  frames.push({ ...header(body, n), choices: [{ index: 0, finish_reason: a.finish, delta: {} }], usage: a.usage });
  return frames.map((f, i) => `id: ${i + 1}\nevent: message\ndata: ${JSON.stringify(f)}\n\n`);
}

function checkIam(apiKey: string, req: RecordedRequest): JsonReply | undefined {
  const form = new URLSearchParams(req.rawBody);
  const ok =
    req.headers["content-type"] === "application/x-www-form-urlencoded" &&
    form.get("grant_type") === "urn:ibm:params:oauth:grant-type:apikey";
  if (!ok) return { status: 400, body: { errorCode: "BXNIM0109E", errorMessage: "Property missing or empty." } };
  if (form.get("apikey") !== apiKey)
    return { status: 400, body: { errorCode: "BXNIM0415E", errorMessage: "Provided API key could not be found." } };
  return undefined;
}

function check(apiKey: string, req: RecordedRequest): JsonReply | undefined {
  if (req.path === "/identity/token") return checkIam(apiKey, req);
  if (req.headers.authorization !== `Bearer ${FAKE_WATSONX_TOKEN}`) {
    return watsonxError(
      401,
      "authentication_token_not_valid",
      "Failed to authenticate the request due to invalid token",
    );
  }
  if (!/^version=\d{4}-\d{2}-\d{2}$/.test(req.query))
    return watsonxError(400, "missing_version", "Missing version parameter");
  const body = req.body as Body;
  if (typeof body.model_id !== "string")
    return watsonxError(400, "json_validation_error", "Json document validation error: 'model_id' is required");
  if (typeof body.project_id !== "string" && typeof body.space_id !== "string") {
    return watsonxError(
      400,
      "json_validation_error",
      "Json document validation error: 'project_id' or 'space_id' or 'wml_instance_crn' is required",
    );
  }
  if (!Array.isArray(body.messages)) return watsonxError(400, "json_validation_error", "'messages' is required");
  return undefined;
}

/** Starts a fake watsonx.ai with IAM; deployments set `api_base` to its `url`, WATSONX_IAM_URL to `${url}/identity/token`. */
export function startFakeWatsonx(options: FakeOptions = {}): Promise<FakeUpstream> {
  const apiKey = options.apiKey ?? FAKE_WATSONX_KEY;
  const provider: FakeProvider = {
    path: "/ml/v1/text/chat",
    serves: (path) => ["/ml/v1/text/chat", "/ml/v1/text/chat_stream", "/identity/token"].includes(path),
    streams: (req) => req.path === "/ml/v1/text/chat_stream",
    check: (req) => check(apiKey, req),
    notFound: () => watsonxError(404, "not_found", "Not Found"),
    answer: (body, n) => answer(body, n),
    stream,
  };
  return startFake(provider);
}
