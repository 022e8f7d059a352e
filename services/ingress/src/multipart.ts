// multipart/form-data bodies (OpenAI's audio transcription and image variation uploads), parsed with @fastify/busboy.
// The whole body is bounded by the ingress body limit: a declared length over it is refused before reading, and
// parsing stops with a 413 as soon as the bytes read pass it, so nothing beyond the limit is ever buffered.
import type { IncomingMessage } from "node:http";
import { Busboy } from "@fastify/busboy";
import type { Form, FormFile } from "@switchyard/openai";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";

/** The most non-file fields a form may have (OpenAI's forms have about ten). */
const MAX_FIELDS = 64;
const MAX_FIELD_BYTES = 256 * 1024;

function tooLarge(limit: number): GatewayError {
  return new GatewayError({
    class: llm.ErrorClass.PAYLOAD_TOO_LARGE,
    message: `request body is larger than the limit of ${limit} bytes`,
  });
}

function invalid(message: string, param?: string): GatewayError {
  return new GatewayError({ class: llm.ErrorClass.INVALID_REQUEST, message, ...(param ? { param } : {}) });
}

/** True when the request says it carries multipart/form-data. */
export function isMultipart(req: IncomingMessage): boolean {
  return /^multipart\/form-data\s*;/i.test(req.headers["content-type"] ?? "");
}

/** Reads a multipart/form-data body of at most `limit` bytes: its text fields and its files, in memory. */
export function readForm(req: IncomingMessage, limit: number): Promise<Form> {
  if (!isMultipart(req)) {
    req.resume();
    return Promise.reject(invalid("request body: expected multipart/form-data with a boundary"));
  }
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string[]>();
    const files = new Map<string, FormFile>();
    let done = false;
    const fail = (err: GatewayError) => {
      if (done) return;
      done = true;
      req.unpipe(parser);
      req.resume();
      reject(err);
    };
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: req.headers as { "content-type": string },
        limits: { fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, files: 4, fileSize: limit },
      });
    } catch (err) {
      req.resume();
      reject(invalid(`request body: ${err instanceof Error ? err.message : "malformed multipart/form-data"}`));
      return;
    }
    let size = 0;
    req.on("data", (part: Buffer) => {
      size += part.length;
      if (size > limit) fail(tooLarge(limit));
    });
    parser.on("field", (name, value, _nameTruncated, valueTruncated) => {
      if (valueTruncated) return fail(invalid(`${name}: expected at most ${MAX_FIELD_BYTES} bytes`, name));
      const list = fields.get(name) ?? [];
      list.push(value);
      fields.set(name, list);
    });
    parser.on("file", (name, stream, filename, _encoding, mimeType) => {
      const parts: Buffer[] = [];
      stream.on("data", (part: Buffer) => parts.push(part));
      stream.on("limit", () => fail(tooLarge(limit)));
      stream.on("end", () => {
        files.set(name, { data: Buffer.concat(parts), filename, contentType: mimeType });
      });
    });
    parser.on("fieldsLimit", () => fail(invalid(`request body: expected at most ${MAX_FIELDS} form fields`)));
    parser.on("error", (err) =>
      fail(invalid(`request body: ${err instanceof Error ? err.message : "malformed multipart/form-data"}`)),
    );
    parser.on("finish", () => {
      if (done) return;
      done = true;
      resolve({ fields, files });
    });
    req.on("error", (err) => fail(GatewayError.from(err)));
    req.pipe(parser);
  });
}
