// A fake SageMaker Runtime in front of a Hugging Face TGI container serving the Messages API
// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpointWithResponseStream.html,
// https://huggingface.co/docs/text-generation-inference/en/messages_api): POST /endpoints/{name}/invocations and
// /invocations-response-stream, SigV4 verified for the `sagemaker` service, OpenAI-shaped answers as TGI gives them,
// and streams whose TGI server-sent events arrive in event-stream PayloadPart messages cut at arbitrary bytes.

import { awsError, checkSigV4, eventMessage, FAKE_AWS_KEY, type FakeAwsKey } from "./fake-aws.js";
import {
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

type Body = Record<string, unknown>;

const PATH = /^\/endpoints\/([^/]+)\/(invocations|invocations-response-stream)$/;
/** The model TGI reports, whatever the request's `model` says. */
const TGI_MODEL = "meta-llama/Meta-Llama-3.1-8B-Instruct";

function compute(body: Body) {
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ function?: { name?: string } }>) : [];
  const tool = body.tool_choice === "required" ? tools[0]?.function?.name : undefined;
  const text = tool ? "" : replyText("sagemaker", body.messages);
  const prompt = tokens(textOf(body.messages));
  const completion = tool ? tokens(tool) + 1 : tokens(text);
  return {
    tool,
    text,
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

function toolCall(name: string) {
  return { id: "0", type: "function", function: { name, arguments: "{}" } };
}

function answer(body: Body, n: number): unknown {
  const a = compute(body);
  const message = a.tool
    ? { role: "assistant", tool_calls: [toolCall(a.tool)] }
    : { role: "assistant", content: a.text };
  return {
    object: "chat.completion",
    id: "",
    created: 1_700_000_000 + n,
    model: TGI_MODEL,
    system_fingerprint: "3.0.1-sha-fake",
    choices: [{ index: 0, message, logprobs: null, finish_reason: a.tool ? "tool_calls" : "stop" }],
    usage: a.usage,
  };
}

function stream(body: Body, n: number): Uint8Array[] {
  const a = compute(body);
  const withUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  const base = {
    object: "chat.completion.chunk",
    id: "",
    created: 1_700_000_000 + n,
    model: TGI_MODEL,
    system_fingerprint: "3.0.1-sha-fake",
  };
  const chunk = (delta: unknown, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    usage: null,
  });
  const chunks: unknown[] = a.tool
    ? [chunk({ role: "assistant", tool_calls: [{ index: 0, ...toolCall(a.tool) }] })]
    : words(a.text).map((piece) => chunk({ role: "assistant", content: piece }));
  chunks.push(chunk({ role: "assistant", content: "" }, a.tool ? "tool_calls" : "stop"));
  if (withUsage) chunks.push({ ...base, choices: [], usage: a.usage });
  const sse = Buffer.from([...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), "data: [DONE]\n\n"].join(""));
  // SageMaker forwards the container's bytes as they come: PayloadParts end anywhere, even inside a frame.
  const parts: Uint8Array[] = [];
  for (let i = 0, size = 37; i < sse.length; i += size, size = size === 37 ? 101 : 37) {
    parts.push(eventMessage({ event: "PayloadPart", raw: true, payload: sse.subarray(i, i + size) }));
  }
  return parts;
}

async function check(keys: readonly FakeAwsKey[], req: RecordedRequest): Promise<JsonReply | undefined> {
  const refused = await checkSigV4(req, "sagemaker", keys);
  if (refused) return refused;
  const body = req.body as Body | undefined;
  if (typeof body !== "object" || body === null || !Array.isArray(body.messages)) {
    const original = JSON.stringify({
      error: "Failed to deserialize the JSON body: missing field `messages`",
      error_type: "validation",
    });
    return {
      status: 424,
      body: {
        ErrorCode: "CLIENT_ERROR_FROM_MODEL",
        Message: `Received client error (422) from primary with message "${original}".`,
        OriginalMessage: original,
        OriginalStatusCode: 422,
      },
      headers: { "x-amzn-errortype": "ModelError:http://internal.amazon.com/coral/com.amazon.sagemaker/" },
    };
  }
  return undefined;
}

/**
 * Starts a fake SageMaker Runtime. Deployments point `api_base` at `url`; it accepts the access keys given (default
 * FAKE_AWS_KEY) and any endpoint name.
 */
export function startFakeSagemaker(keys: readonly FakeAwsKey[] = [FAKE_AWS_KEY]): Promise<FakeUpstream> {
  const provider: FakeProvider = {
    path: "/endpoints/{name}/invocations",
    serves: (path) => PATH.test(path),
    streams: (req) => req.path.endsWith("/invocations-response-stream"),
    streamContentType: "application/vnd.amazon.eventstream",
    check: (req) => check(keys, req),
    notFound: (path) => awsError(404, "UnknownOperationException", `Unknown operation: POST ${path}`),
    answer,
    stream,
  };
  return startFake(provider);
}
