// A fake Snowflake Cortex REST API (specifications/cortex-inference.yaml and cortex-embed.yaml of
// snowflakedb/snowflake-rest-api-specs): POST /api/v2/cortex/inference:complete and :embed with `Authorization: Bearer
// <token>` and `X-Snowflake-Authorization-Token-Type`. A KEYPAIR_JWT is the fake's ready JWT, or one signed RS256 by
// the key pair whose public key the fake was given (its `sub` must be the expected `<ACCOUNT>.<USER>`); a
// PROGRAMMATIC_ACCESS_TOKEN is the fake's PAT. `"stream": false` answers JSON with `content_list`; streams are SSE
// `data:` events with `{"type": "text", "content"}` or `tool_use` deltas and usage on the last one, without `[DONE]`.
// Errors are `{"message", "code", "request_id"}`.

import { importSPKI, jwtVerify } from "jose";
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

/** The ready key-pair JWT the fake accepts. */
export const FAKE_SNOWFLAKE_JWT = "fake.snowflake-jwt.0123456789";
/** The programmatic access token the fake accepts (configured as `pat/<token>`). */
export const FAKE_SNOWFLAKE_PAT = "fake-snowflake-pat-0123456789";

type Body = Record<string, unknown>;

/** What the fake accepts besides its ready tokens. */
export interface FakeSnowflakeOptions {
  /** The PEM public key of the key pair deployments sign with. */
  readonly publicKey?: string;
  /** The `sub` such a JWT must carry: `<ACCOUNT>.<USER>`. */
  readonly subject?: string;
}

export function snowflakeError(status: number, message: string): JsonReply {
  return {
    status,
    body: { message, code: String(390000 + status), request_id: "01b2c3d4-0000-0001-0002-000300040005" },
  };
}

function compute(body: Body) {
  const choice = body.tool_choice as { type?: string; name?: string[] } | undefined;
  const tools = Array.isArray(body.tools) ? (body.tools as Array<{ tool_spec?: { name?: string } }>) : [];
  const tool =
    choice?.type === "required" || choice?.type === "tool"
      ? (choice.name?.[0] ?? tools[0]?.tool_spec?.name)
      : undefined;
  const content = tool ? "" : replyText("snowflake", body.messages);
  const prompt = tokens(textOf(body.messages));
  const output = tokens(content) + (tool ? 10 : 0);
  return { tool, content, usage: { prompt_tokens: prompt, completion_tokens: output, total_tokens: prompt + output } };
}

function answer(body: Body, n: number): unknown {
  if (Array.isArray(body.text)) {
    const data = body.text.map((t, index) => ({
      object: "embedding",
      embedding: [[String(t).length / 100, 0.5]],
      index,
    }));
    return { object: "list", data, model: body.model, usage: { total_tokens: tokens(textOf(body.text)) } };
  }
  const a = compute(body);
  const content_list = a.tool
    ? [{ type: "tool_use", tool_use: { tool_use_id: `tooluse_fake${n}`, name: a.tool, input: { q: "cat" } } }]
    : [{ type: "text", text: a.content }];
  return {
    id: `fake-cortex-${n}`,
    model: body.model,
    created: 1765015200,
    choices: [{ message: { content: a.content, content_list }, finish_reason: a.tool ? "tool_calls" : "stop" }],
    usage: a.usage,
  };
}

function stream(body: Body, n: number): string[] {
  const a = compute(body);
  const event = (delta: Body, usage: Body = {}) =>
    `data: ${JSON.stringify({ id: `fake-cortex-${n}`, model: body.model, choices: [{ delta }], usage })}\n\n`;
  const frames = words(a.content).map((w) =>
    event({ type: "text", content: w, content_list: [{ type: "text", text: w }], text: w }),
  );
  if (a.tool) {
    frames.push(event({ type: "tool_use", tool_use_id: `tooluse_fake${n}`, name: a.tool, text: "" }));
    frames.push(
      event({ type: "tool_use", input: '{"q": ', text: "" }),
      event({ type: "tool_use", input: '"cat"}', text: "" }),
    );
  }
  frames.push(event({ type: "text", content: "", text: "" }, a.usage));
  return frames;
}

async function checkToken(req: RecordedRequest, options: FakeSnowflakeOptions): Promise<JsonReply | undefined> {
  const type = req.headers["x-snowflake-authorization-token-type"];
  const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
  if (type === "PROGRAMMATIC_ACCESS_TOKEN")
    return token === FAKE_SNOWFLAKE_PAT ? undefined : snowflakeError(401, "Invalid PAT.");
  if (type !== "KEYPAIR_JWT") return snowflakeError(401, "Missing X-Snowflake-Authorization-Token-Type.");
  if (token === FAKE_SNOWFLAKE_JWT) return undefined;
  if (!options.publicKey) return snowflakeError(401, "JWT token is invalid.");
  try {
    const { payload } = await jwtVerify(token, await importSPKI(options.publicKey, "RS256"));
    if (payload.sub !== options.subject) return snowflakeError(401, "JWT token is invalid: wrong subject.");
    return undefined;
  } catch {
    return snowflakeError(401, "JWT token is invalid.");
  }
}

/** Starts a fake Cortex; deployments set `api_base` to its `url` (the adapter appends /api/v2/...). */
export function startFakeSnowflake(options: FakeSnowflakeOptions = {}): Promise<FakeUpstream> {
  const provider: FakeProvider = {
    path: "/api/v2/cortex/inference:complete",
    serves: (path) => path === "/api/v2/cortex/inference:complete" || path === "/api/v2/cortex/inference:embed",
    check: async (req) => {
      const refused = await checkToken(req, options);
      if (refused) return refused;
      const body = req.body as Body;
      if (typeof body?.model !== "string") return snowflakeError(400, "model is required");
      if (req.path.endsWith(":complete") && !Array.isArray(body.messages))
        return snowflakeError(400, "messages is required");
      return undefined;
    },
    notFound: () => snowflakeError(404, "Not found"),
    answer,
    stream,
  };
  return startFake(provider);
}
