// A fake Bedrock Runtime Converse API
// (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html): POST
// /model/{modelId}/converse and /converse-stream, SigV4 verified for the `bedrock` service, Bedrock's error replies,
// deterministic answers with usage, and ConverseStream's event-stream messages (messageStart, contentBlockStart,
// contentBlockDelta, contentBlockStop, messageStop, metadata).

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

const PATH = /^\/model\/([^/]+)\/(converse|converse-stream)$/;

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
  const messages = (body as Body).messages;
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
    streams: (req) => req.path.endsWith("/converse-stream"),
    streamContentType: "application/vnd.amazon.eventstream",
    check: (req) => check(keys, req),
    notFound: (path) => awsError(404, "UnknownOperationException", `Unknown operation: POST ${path}`),
    answer,
    stream,
  };
  return startFake(provider);
}
