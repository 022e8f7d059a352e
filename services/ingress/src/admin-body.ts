// The inputs of an admin call before any field is read: its one Authorization header, and a bounded JSON object
// body (or query string) without keys that could pollute prototypes in whatever later handles the values.

import type { IncomingMessage } from "node:http";
import { llm } from "@switchyard/proto";
import { GatewayError, invalidRequest } from "@switchyard/runtime";
import { parseJson, readBody } from "./http-io.js";

/** The JSON fields of a request body or query string, in an object without a prototype. */
export type Fields = Readonly<Record<string, unknown>>;

/** Keys refused at any depth: assigning them can reach Object.prototype in careless code downstream. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);
/** Deepest nesting accepted; the policy accepts 32 levels of metadata below the body's own two. */
const MAX_DEPTH = 40;
/** Longest Authorization header forwarded: a policy credential is at most 4 KiB. */
const MAX_AUTHORIZATION = 8192;

/**
 * The caller's Authorization header, to forward to the policy unchanged. Refuses a request that sends it more
 * than once (node:http would silently keep the first) and an oversized one; an absent one is forwarded as absent,
 * so the policy answers 401 as for any unknown credential.
 */
export function authorizationOf(req: IncomingMessage): string | undefined {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === "authorization") count++;
  }
  if (count > 1) throw invalidRequest("authorization: expected one Authorization header", "authorization");
  const header = req.headers.authorization;
  if (header !== undefined && header.length > MAX_AUTHORIZATION) {
    throw new GatewayError({ class: llm.ErrorClass.AUTH, message: "invalid api key" });
  }
  return header;
}

/** Refuses forbidden keys and deep nesting anywhere in `root`, naming the path of the first offence. */
export function checkTree(root: unknown, where = "body"): void {
  const stack: [unknown, string, number][] = [[root, where, 0]];
  while (stack.length > 0) {
    const [node, path, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth > MAX_DEPTH) throw invalidRequest(`${path}: nested deeper than ${MAX_DEPTH} levels`, path);
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        stack.push([item, `${path}[${i}]`, depth + 1]);
      });
      continue;
    }
    for (const key of Object.keys(node)) {
      const at = depth === 0 ? key : `${path}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) {
        throw invalidRequest(`${at}: keys "__proto__", "constructor" and "prototype" are not allowed`, at);
      }
      stack.push([(node as Record<string, unknown>)[key], at, depth + 1]);
    }
  }
}

/** A JSON object as Fields: a copy without a prototype, so no field name can resolve to an inherited member. */
function fieldsOf(value: Record<string, unknown>): Fields {
  return Object.assign(Object.create(null) as Record<string, unknown>, value);
}

function mediaType(req: IncomingMessage): string | undefined {
  const value = req.headers["content-type"];
  return value === undefined ? undefined : value.split(";", 1)[0]!.trim().toLowerCase();
}

/**
 * Reads the body of an admin POST: at most `limit` bytes of a JSON object (an empty body is `{}`), sent as
 * application/json (or without a content type), with no forbidden key at any depth.
 */
export async function readFields(req: IncomingMessage, limit: number): Promise<Fields> {
  const type = mediaType(req);
  if (type !== undefined && type !== "application/json") {
    req.resume();
    throw new GatewayError({
      class: llm.ErrorClass.INVALID_REQUEST,
      message: "content-type: expected application/json",
      param: "content-type",
      httpStatus: 415,
    });
  }
  const body = await readBody(req, limit);
  if (body.length === 0) return fieldsOf({});
  const json = parseJson(body);
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw invalidRequest("body: expected a JSON object", "body");
  }
  checkTree(json);
  return fieldsOf(json as Record<string, unknown>);
}

/** The query of an admin GET as Fields: every parameter at most once, names checked like body keys. */
export function queryFields(query: URLSearchParams): Fields {
  const fields: Record<string, unknown> = Object.create(null);
  for (const [name, value] of query) {
    if (FORBIDDEN_KEYS.has(name)) {
      throw invalidRequest(`${name}: keys "__proto__", "constructor" and "prototype" are not allowed`, name);
    }
    if (name in fields) throw invalidRequest(`${name}: given more than once`, name);
    fields[name] = value;
  }
  return fields;
}
