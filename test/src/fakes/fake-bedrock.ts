// A fake Bedrock Runtime Converse API
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html): POST
// /model/{modelId}/converse and /converse-stream, SigV4 verified for the `bedrock` service, Bedrock's error replies,
// deterministic answers with usage, and ConverseStream's event-stream messages (messageStart, contentBlockStart,
// contentBlockDelta, contentBlockStop, messageStop, metadata). Also InvokeModel with Anthropic's Messages body
// (/invoke and /invoke-with-response-stream): `anthropic_version: "bedrock-2023-05-31"` required, `model` and
// `stream` refused as extraneous keys as Bedrock does, Anthropic's answer, and a stream of `chunk` events whose
// `{"bytes"}` carry Anthropic's stream events base64-encoded, the last with Bedrock's invocation metrics.

import { anthropicAnswer, anthropicStream } from "./fake-anthropic.js";
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

const PATH = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/;

/** The model Bedrock names in an InvokeModel answer (the fake's Claude). */
const INVOKE_MODEL = "claude-fake-bedrock";

/** An InvokeModel body (Anthropic's Messages format) rather than a Converse one. */
function isInvoke(body: Body): boolean {
  return body.anthropic_version !== undefined;
}

/** InvokeModel's answer: Anthropic's message. */
function invokeAnswer(body: Body, n: number): unknown {
  return anthropicAnswer({ ...body, model: INVOKE_MODEL }, n);
}

/** InvokeModelWithResponseStream: each Anthropic stream event in a `chunk` event's base64 `bytes`. */
function invokeStream(body: Body, n: number): Uint8Array[] {
  const events = anthropicStream({ ...body, model: INVOKE_MODEL }, n)
    .map((frame) => /^data: (.*)$/m.exec(frame)?.[1])
    .filter((data): data is string => data !== undefined)
    .map((data) => JSON.parse(data) as Body)
    .filter((event) => event.type !== "ping");
  const last = events[events.length - 1];
  if (last?.type === "message_stop") {
    last["amazon-bedrock-invocationMetrics"] = {
      inputTokenCount: 10,
      outputTokenCount: 5,
      invocationLatency: 120,
      firstByteLatency: 40,
    };
  }
  return events.map((event) =>
    eventMessage({ event: "chunk", payload: { bytes: Buffer.from(JSON.stringify(event)).toString("base64") } }),
  );
}

/** The tool a request forces: toolChoice `any` takes the first tool, `tool` names one. */
function forcedTool(body: Body): string | undefined {
  const config = body.toolConfig as { tools?: Array<{ toolSpec?: { name?: string } }>; toolChoice?: Body } | undefined;
  const choice = config?.toolChoice;
  if (!config?.tools?.length || !choice) return undefined;
  if (choice.any) return config.tools[0]?.toolSpec?.name;
  return (choice.tool as { name?: string } | undefined)?.name;
}

interface Answer {
  text?: string;
  toolName?: string;
  stop: string;
  input: number;
  output: number;
}

function compute(body: Body): Answer {
  const input = tokens(textOf(body.system) + textOf(body.messages));
  const tool = forcedTool(body);
  if (tool !== undefined) return { toolName: tool, stop: "tool_use", input, output: tokens(tool) + 1 };
  const full = replyText("bedrock", body.messages);
  const limit = (body.inferenceConfig as { maxTokens?: number } | undefined)?.maxTokens ?? Number.POSITIVE_INFINITY;
  const cut = tokens(full) > limit;
  const text = cut ? full.slice(0, limit * 4) : full;
  return { text, stop: cut ? "max_tokens" : "end_turn", input, output: tokens(text) };
}

function usage(a: Answer) {
  return {
    inputTokens: a.input,
    outputTokens: a.output,
    totalTokens: a.input + a.output,
    cacheReadInputTokens: 0,
    cacheWriteInputTokens: 0,
  };
}

function answer(body: Body, n: number): unknown {
  if (isInvoke(body)) return invokeAnswer(body, n);
  const a = compute(body);
  const content = a.toolName
    ? [{ toolUse: { toolUseId: `tooluse_fake${n}`, name: a.toolName, input: {} } }]
    : [{ text: a.text }];
  return {
    output: { message: { role: "assistant", content } },
    stopReason: a.stop,
    usage: usage(a),
    metrics: { latencyMs: 12 },
  };
}

function stream(body: Body, n: number): Uint8Array[] {
  if (isInvoke(body)) return invokeStream(body, n);
  const a = compute(body);
  const events: Array<[string, Body]> = [["messageStart", { role: "assistant" }]];
  if (a.toolName) {
    const start = { toolUse: { toolUseId: `tooluse_fake${n}`, name: a.toolName } };
    events.push(["contentBlockStart", { contentBlockIndex: 0, start }]);
    events.push(["contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: "{}" } } }]);
  } else {
    for (const piece of words(a.text ?? ""))
      events.push(["contentBlockDelta", { contentBlockIndex: 0, delta: { text: piece } }]);
  }
  events.push(["contentBlockStop", { contentBlockIndex: 0 }]);
  events.push(["messageStop", { stopReason: a.stop }]);
  events.push(["metadata", { usage: usage(a), metrics: { latencyMs: 12 } }]);
  // Bedrock pads every event with a random-length `p` field against length side channels.
  return events.map(([event, payload], i) => eventMessage({ event, payload: { ...payload, p: "x".repeat(i % 7) } }));
}

async function check(keys: readonly FakeAwsKey[], req: RecordedRequest): Promise<JsonReply | undefined> {
  const refused = await checkSigV4(req, "bedrock", keys);
  if (refused) return refused;
  const body = req.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return awsError(400, "SerializationException", "Could not parse the request body as JSON.");
  }
  const b = body as Body;
  const invoke = /\/invoke(-with-response-stream)?$/.test(req.path);
  if (invoke) {
    if (b.anthropic_version !== "bedrock-2023-05-31") {
      return awsError(400, "ValidationException", "anthropic_version: expected bedrock-2023-05-31");
    }
    for (const key of ["model", "stream"]) {
      if (key in b)
        return awsError(
          400,
          "ValidationException",
          `Malformed input request: extraneous key [${key}] is not permitted`,
        );
    }
    if (typeof b.max_tokens !== "number") return awsError(400, "ValidationException", "max_tokens: required");
  } else if (isInvoke(b)) {
    return awsError(400, "ValidationException", "The model returned the following errors: Malformed input request");
  }
  const messages = b.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    return awsError(400, "ValidationException", "A conversation must start with a user message.");
  }
  return undefined;
}

/**
 * Starts a fake Bedrock Runtime. Deployments point `api_base` (or `aws_bedrock_runtime_endpoint`) at `url`; it
 * accepts the access keys given (default FAKE_AWS_KEY) and any model id.
 */
export function startFakeBedrock(keys: readonly FakeAwsKey[] = [FAKE_AWS_KEY]): Promise<FakeUpstream> {
  const provider: FakeProvider = {
    path: "/model/{modelId}/converse",
    serves: (path) => PATH.test(path),
    streams: (req) => req.path.endsWith("/converse-stream") || req.path.endsWith("/invoke-with-response-stream"),
    streamContentType: "application/vnd.amazon.eventstream",
    check: (req) => check(keys, req),
    notFound: (path) => awsError(404, "UnknownOperationException", `Unknown operation: POST ${path}`),
    answer,
    stream,
  };
  return startFake(provider);
}
