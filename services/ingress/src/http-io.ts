import type { IncomingMessage, ServerResponse } from "node:http";
import { renderError } from "@switchyard/openai";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";

/** Reads a request body up to `limit` bytes; larger bodies fail with 413 before they are buffered. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (part: Buffer) => {
      size += part.length;
      if (size > limit) {
        reject(tooLarge(limit));
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      parts.push(part);
    });
    req.on("end", () => resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)));
    req.on("error", reject);
  });
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError({
    class: llm.ErrorClass.PAYLOAD_TOO_LARGE,
    message: `request body is larger than the limit of ${limit} bytes`,
  });
}

/** Parses a JSON body, failing with a 400 that says where the JSON broke. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    const reason = err instanceof Error ? err.message : "invalid JSON";
    throw new GatewayError({
      class: llm.ErrorClass.INVALID_REQUEST,
      message: `request body is not valid JSON: ${reason}`,
    });
  }
}

/** Sends a JSON text with the given status and headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  json: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}

/** Sends an error in OpenAI's error JSON with its HTTP status (and Retry-After when known). */
export function sendError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): void {
  const error = GatewayError.from(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const extra = { ...headers };
  if (error.detail.retryAfterSeconds !== undefined)
    extra["retry-after"] = String(Math.ceil(error.detail.retryAfterSeconds));
  sendJson(res, error.detail.httpStatus || 500, renderError(error.detail), extra);
}
