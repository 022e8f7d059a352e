import { randomUUID } from "node:crypto";

const SAFE = /^[\w.:-]{1,128}$/;

/** The request id: the caller's own when it is safe to echo into headers and logs, else a new UUID. */
export function requestIdFrom(given: unknown): string {
  return typeof given === "string" && SAFE.test(given) ? given : randomUUID();
}
