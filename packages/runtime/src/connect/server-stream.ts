import type { ServerResponse } from "node:http";
import { llm } from "@switchyard/proto";
import { streamWriter } from "../drained.js";
import { GatewayError } from "../errors.js";
import { type Envelope, EnvelopeReader, encodeEnvelope, FLAG_END_STREAM } from "./envelope.js";
import type { CallState } from "./server-call.js";
import type { HandlerContext, Route, StreamSink } from "./service.js";
import { failCall } from "./trace.js";

const STREAM_TYPE = "application/connect+proto";

function invalid(message: string, cause?: unknown): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.INVALID_REQUEST, message }, { cause });
}

/** The one request message of a server-streaming call: exactly one uncompressed envelope, nothing after it. */
function singleMessage(route: Route, body: Buffer): unknown {
  const reader = new EnvelopeReader(body.length);
  let envelopes: Envelope[];
  try {
    envelopes = reader.push(body);
  } catch (err) {
    throw invalid("expected an envelope length within the request body", err);
  }
  const first = envelopes[0];
  if (envelopes.length !== 1 || !first || reader.pending !== 0) {
    throw invalid("expected exactly one request envelope");
  }
  if (first.flags !== 0) throw invalid(`expected request envelope flags 0, got ${first.flags}`);
  try {
    return route.decode(first.data);
  } catch (err) {
    throw invalid("expected a valid protobuf request", err);
  }
}

function sendHeaders(res: ServerResponse, ctx: HandlerContext): void {
  if (res.headersSent) return;
  res.writeHead(200, { ...ctx.responseHeaders, "content-type": STREAM_TYPE });
}

function sinkOf(route: Route, call: CallState): StreamSink<unknown> {
  const { res, ctx } = call;
  // The first message leaves on its own (time to first token); later ones batch per turn.
  const write = streamWriter(res);
  return {
    write(message) {
      if (call.finished()) return undefined;
      sendHeaders(res, ctx);
      return write(encodeEnvelope(0, route.encode(message)));
    },
  };
}

/** Ends the response with the end-stream envelope: the error, if any, and the trailers as metadata. */
function endStream(res: ServerResponse, ctx: HandlerContext, error?: GatewayError): void {
  sendHeaders(res, ctx);
  const end: { error?: unknown; metadata?: Record<string, string[]> } = {};
  if (error) end.error = error.toConnectError();
  const names = Object.keys(ctx.responseTrailers);
  if (names.length > 0) {
    end.metadata = {};
    for (const name of names) end.metadata[name] = [ctx.responseTrailers[name] as string];
  }
  res.end(encodeEnvelope(FLAG_END_STREAM, Buffer.from(JSON.stringify(end))));
}

/** Serves one server-streaming call; every failure ends the stream with an end-stream error. */
export async function serveStream(route: Route, call: CallState): Promise<void> {
  try {
    const request = singleMessage(route, await call.race(call.body));
    await call.race(route.stream?.(request, call.ctx, sinkOf(route, call)));
    if (!call.finished()) endStream(call.res, call.ctx);
  } catch (err) {
    const error = call.failure(err);
    if (call.span) failCall(call.span, error);
    if (!call.finished()) endStream(call.res, call.ctx, error);
  } finally {
    call.done();
  }
}
