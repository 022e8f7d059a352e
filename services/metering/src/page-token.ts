// Keyset pagination for spend logs: the token is the position of the last event returned (its start time and id),
// so a page never skips or repeats events however many arrive meanwhile. Opaque to callers: base64url JSON.

import { invalidRequest } from "@switchyard/runtime";
import { wellFormed } from "./sql.js";

/** Where the next page starts: strictly after this event in (started_at_ms DESC, event_id DESC) order. */
export interface PagePosition {
  readonly startedAtMs: bigint;
  readonly eventId: string;
}

const MAX_TOKEN_CHARS = 350_000;
const I64 = /^-?(0|[1-9]\d{0,18})$/;

/** The token of a position. */
export function encodePageToken(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.startedAtMs.toString(), position.eventId]), "utf8").toString("base64url");
}

/** The position of a token from `encodePageToken`; throws an invalid-request error for anything else. */
export function decodePageToken(token: string): PagePosition {
  const invalid = () => invalidRequest("page_token: expected the next_page_token of a previous page", "page_token");
  if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(json) || json.length !== 2) throw invalid();
  const [ms, id] = json as unknown[];
  if (typeof ms !== "string" || !I64.test(ms) || typeof id !== "string" || !wellFormed(id)) throw invalid();
  const startedAtMs = BigInt(ms);
  if (startedAtMs < -(1n << 63n) || startedAtMs >= 1n << 63n) throw invalid();
  return { startedAtMs, eventId: id };
}
