// Test support: the recorded fixtures under packages/openai/testdata, resolved from the compiled file.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { parseChatRequest } from "./request-parse.js";

const ROOT = new URL("../testdata/", import.meta.url);

/** One fixture: its file name and parsed JSON. */
export interface Fixture<T = unknown> {
  name: string;
  json: T;
}

/** Every `*.json` fixture in a testdata folder ("requests", "responses", "streams"), sorted by name. */
export function fixtures<T = unknown>(folder: string): Fixture<T>[] {
  const dir = new URL(`${folder}/`, ROOT);
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => ({ name, json: JSON.parse(readFileSync(new URL(name, dir), "utf8")) as T }));
}

/** One fixture by folder and file name. */
export function fixture<T = unknown>(folder: string, name: string): T {
  return JSON.parse(readFileSync(new URL(`${folder}/${name}`, ROOT), "utf8")) as T;
}

/** A deterministic pseudo-random generator (mulberry32), so that fuzz failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random JSON value of bounded depth, biased toward the shapes that break parsers. */
export function randomJson(rand: () => number, depth = 3): unknown {
  const pick = Math.floor(rand() * (depth > 0 ? 10 : 7));
  const scalars = [null, true, false, 0, -1, 1.5, 1e308, "", "x", "__proto__", "system", "text", "function"];
  switch (pick) {
    case 0:
      return Math.floor(rand() * 2 ** 40) * (rand() < 0.5 ? -1 : 1);
    case 1:
    case 2:
    case 3:
      return scalars[Math.floor(rand() * scalars.length)];
    case 4:
      return String.fromCharCode(...Array.from({ length: Math.floor(rand() * 8) }, () => Math.floor(rand() * 0xffff)));
    case 5:
    case 6:
      return rand() < 0.5 ? [] : {};
    case 7:
    case 8:
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomJson(rand, depth - 1));
    default: {
      const keys = ["role", "content", "type", "text", "model", "messages", "choices", "delta", "usage", "function"];
      const obj: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 4); i > 0; i--)
        obj[keys[Math.floor(rand() * keys.length)]!] = randomJson(rand, depth - 1);
      return obj;
    }
  }
}

/** A deep copy of `value` with one randomly chosen node replaced by a random JSON value. */
export function mutate(value: unknown, rand: () => number): unknown {
  const copy: unknown = structuredClone(value);
  const nodes: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (v: unknown) => {
    if (typeof v !== "object" || v === null) return;
    for (const [k, c] of Object.entries(v)) {
      nodes.push(Array.isArray(v) ? [v, Number(k)] : [v as Record<string, unknown>, k]);
      walk(c);
    }
  };
  walk(copy);
  if (nodes.length === 0) return randomJson(rand);
  const [parent, key] = nodes[Math.floor(rand() * nodes.length)]!;
  const replacement = rand() < 0.15 ? undefined : randomJson(rand);
  if (Array.isArray(parent)) parent[key as number] = replacement ?? null;
  else if (replacement === undefined) delete parent[key as string];
  else parent[key as string] = replacement;
  return copy;
}

/** Asserts that parsing `body` fails with a 400 whose message is `message` and whose param is `param`. */
export function rejects(body: unknown, message: string, param: string): void {
  assert.throws(
    () => parseChatRequest(body),
    (err: unknown) => {
      assert.ok(err instanceof GatewayError, `expected a GatewayError, got ${String(err)}`);
      assert.equal(err.detail.class, llm.ErrorClass.INVALID_REQUEST);
      assert.equal(err.detail.httpStatus, 400);
      assert.equal(err.message, message);
      assert.equal(err.detail.param, param);
      return true;
    },
  );
}
