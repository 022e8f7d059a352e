// The policy's PolicyAdminService under LiteLLM's REST paths. The ingress translates and forwards only: it sends
// the caller's own Authorization header with every call, so the policy alone decides who may do what. A request
// is checked in this order: canonical path, one Authorization header, a known credential (401 before any body is
// judged), a bounded JSON object body or query, then every field, so an unknown field fails before any change.

import type { IncomingMessage, ServerResponse } from "node:http";
import { create, type DescMethod, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { connect, GatewayError, invalidRequest } from "@switchyard/runtime";
import { authorizationOf, queryFields, readFields } from "./admin-body.js";
import { CUSTOMER_ROUTES } from "./admin-customers.js";
import { type FieldReader, fieldReader } from "./admin-fields.js";
import { KEY_ROUTES, REGENERATE_PATTERN, regenerateKey } from "./admin-keys.js";
import { type AdminMethod, matchPattern, parseTarget, type Target, wrongMethod } from "./admin-path.js";
import { TEAM_ROUTES } from "./admin-teams.js";
import { USER_ROUTES } from "./admin-users.js";
import { type Authenticator, bearer, type Principal } from "./auth.js";
import { sendJson } from "./http-io.js";

/** What one admin handler sees of its request. */
export interface AdminContext {
  /** The JSON body (POST) or query (GET); the first `call` refuses any field not read by then. */
  readonly fields: FieldReader;
  /** The key in the path of `/key/{key}/regenerate`. */
  readonly pathKey: string | undefined;
  /** The caller, as the policy authorized its credential. */
  readonly caller: Principal;
  /** Calls the policy admin service as the caller. */
  call<M extends DescMethod>(method: M, request: MessageInitShape<M["input"]>): Promise<MessageShape<M["output"]>>;
}

/** One admin route: its method and a handler that returns the JSON body of a 200. */
export interface AdminRoute {
  readonly method: AdminMethod;
  readonly handler: (c: AdminContext) => Promise<object>;
}

/** Dependencies of the admin routes. */
export interface AdminDeps {
  /** The policy service's Connect client (PolicyAdminService lives beside PolicyService). */
  policy: connect.ConnectClient;
  auth: Authenticator;
  maxBodyBytes: number;
}

/** A request matched to an admin route. */
export interface AdminMatch {
  readonly route: AdminRoute;
  readonly target: Target;
  readonly pathKey: string | undefined;
}

/** Every admin route by exact path. */
export const ADMIN_ROUTES: Readonly<Record<string, AdminRoute>> = {
  ...KEY_ROUTES,
  ...TEAM_ROUTES,
  ...USER_ROUTES,
  ...CUSTOMER_ROUTES,
};

const CALL_TIMEOUT_MS = 10_000;

/**
 * The admin route of a request, or undefined when its path is none (the caller answers 404). Throws a 400 for a
 * non-canonical path (see admin-path.ts) and a 405 for an admin path called with the wrong method.
 */
export function matchAdmin(method: string | undefined, url: string | undefined): AdminMatch | undefined {
  const target = parseTarget(url);
  const exact = Object.hasOwn(ADMIN_ROUTES, target.path) ? ADMIN_ROUTES[target.path] : undefined;
  const pathKey = exact ? undefined : matchPattern(REGENERATE_PATTERN, target.path);
  const route = exact ?? (pathKey === undefined ? undefined : regenerateKey);
  if (!route) return undefined;
  if (method !== route.method) throw wrongMethod(method, route.method);
  return { route, target, pathKey };
}

/** Policy field names that LiteLLM spells differently. */
const LITELLM_NAMES: Readonly<Record<string, string>> = {
  max_budget_nanos: "max_budget",
  soft_budget_nanos: "soft_budget",
  metadata_json: "metadata",
  secret: "key",
  key_id: "key",
  members: "members_with_roles",
};

/** Policy field paths ("changes.limits.max_budget_nanos") as the LiteLLM field a caller sent ("max_budget"). */
export function litellmParam(param: string): string {
  const bare = param.replace(/^(?:key|changes|team|user|customer)\./, "").replace(/^limits\./, "");
  // /key/delete's `keys` mixes secrets and ids, which the policy gets as two lists.
  if (/^(?:key_ids|secrets)\[\d+\]$/.test(bare)) return "keys";
  const [, head = bare, rest = ""] = /^([a-z_]+)(.*)$/.exec(bare) ?? [];
  return (Object.hasOwn(LITELLM_NAMES, head) ? LITELLM_NAMES[head] : head) + rest;
}

/** A policy error with its field named as the caller sent it; the class (and so the HTTP status) is kept. */
export function litellmError(err: unknown): GatewayError {
  const error = GatewayError.from(err);
  const { param, message } = error.detail;
  if (param === "") return error;
  const renamed = litellmParam(param);
  const text = message.startsWith(`${param}:`) ? `${renamed}${message.slice(param.length)}` : message;
  return new GatewayError({ ...error.detail, param: renamed, message: text }, { cause: err, meta: error.meta });
}

/** Serves one matched admin request: reads its inputs, runs its handler, answers 200 with the JSON it returns. */
export async function serveAdmin(
  deps: AdminDeps,
  match: AdminMatch,
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  const { route, target, pathKey } = match;
  let authorization: string | undefined;
  let caller: Principal;
  try {
    authorization = authorizationOf(req);
    caller = await deps.auth.authenticate(bearer(authorization), "");
  } catch (err) {
    req.resume();
    throw err;
  }
  let fields: FieldReader;
  if (route.method === "POST") {
    if (target.hasQuery) {
      req.resume();
      throw invalidRequest("query: POST routes take a JSON body, not a query string", "query");
    }
    fields = fieldReader(await readFields(req, deps.maxBodyBytes));
  } else {
    req.resume();
    fields = fieldReader(queryFields(target.query));
  }
  // The request id travels along so the policy's audit events name the request that made each change.
  const requestId = headers["x-request-id"];
  const callHeaders: Record<string, string> = {
    ...(authorization === undefined ? {} : { authorization }),
    ...(requestId === undefined ? {} : { "x-request-id": requestId }),
  };
  const context: AdminContext = {
    fields,
    pathKey,
    caller,
    async call(method, request) {
      fields.done();
      try {
        const input = create(method.input, request) as MessageShape<(typeof method)["input"]>;
        const deadline = Date.now() + CALL_TIMEOUT_MS;
        return (await connect.callUnary(deps.policy, method, input, { headers: callHeaders, deadline })).value;
      } catch (err) {
        throw litellmError(err);
      }
    },
  };
  sendJson(res, 200, JSON.stringify(await route.handler(context)), headers);
}
