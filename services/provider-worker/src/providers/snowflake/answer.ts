// The non-streamed Cortex answer. `inference:complete` documents its 200 as `text/event-stream` (its `stream` field
// is "reserved", default true), while LiteLLM sends `"stream": false` and reads a JSON body, which the spec's
// NonStreamingCompleteResponse describes. So the body is read whole (bounded, within the attempt's deadline) and
// parsed as JSON when it is a JSON object, else read as the events of a stream and folded into one answer.

import { malformedUpstream } from "../errors.js";
import { postStream, readWhole, type UpstreamPost } from "../http.js";
import { readSse } from "../sse.js";
import type { AttemptContext } from "../types.js";

/** What a 2xx non-streamed answer turned out to be. */
export type UnaryAnswer = { readonly json: unknown } | { readonly events: readonly string[] };

/** The attempt as a unary call: its whole-answer deadline bounds the wait for headers, each body gap, and the total. */
function unaryContext(ctx: AttemptContext): AttemptContext {
  const ms = ctx.timeouts?.attemptMs ?? ctx.deployment.timeoutMs;
  if (!ms) return ctx;
  return {
    ...ctx,
    signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ms)]),
    timeouts: { firstTokenMs: ms, idleMs: ms },
  };
}

/** POSTs a non-streamed call and returns its JSON body, or the `data:` of its events when Cortex streamed anyway. */
export async function postUnary(ctx: AttemptContext, post: UpstreamPost): Promise<UnaryAnswer> {
  const unary = unaryContext(ctx);
  const upstream = await postStream(unary, post);
  const text = (await readWhole(upstream.body, unary.deployment, upstream.fail)).toString("utf8");
  if (text.trimStart().startsWith("{")) {
    try {
      return { json: JSON.parse(text) };
    } catch (err) {
      throw malformedUpstream(ctx.deployment, "response is not valid JSON", err);
    }
  }
  const events: string[] = [];
  const once = (async function* () {
    yield Buffer.from(text, "utf8");
  })();
  for await (const event of readSse(once, {
    fail: upstream.fail,
    tooLarge: () => malformedUpstream(ctx.deployment, "stream event too large"),
  })) {
    events.push(event.data);
  }
  return { events };
}
