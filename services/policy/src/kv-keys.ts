// KV keys of the policy buckets. NATS allows only [-/_=.A-Za-z0-9] in a key and gives "." a meaning, while user ids
// are often e-mail addresses; so every character outside [A-Za-z0-9_-] is written as "=XX" per UTF-8 byte. The
// encoding is injective and reversible, and ids stay readable in `nats kv ls` when they are plain.

const PLAIN = /^[A-Za-z0-9_-]$/;
const ESCAPED = /^(?:[A-Za-z0-9_-]|=[0-9A-F]{2})+$/;

/** The KV key of an id (non-empty). */
export function kvKeyOf(id: string): string {
  if (id === "") throw new Error("expected a non-empty id");
  let out = "";
  for (const ch of id) {
    if (PLAIN.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, "utf8")) out += `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The id of a KV key written by `kvKeyOf`; throws on anything else. */
export function idOfKvKey(key: string): string {
  if (!ESCAPED.test(key)) throw new Error("expected an escaped policy id");
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    if (key[i] === "=") {
      bytes.push(Number.parseInt(key.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(key.charCodeAt(i));
  }
  const id = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
  if (kvKeyOf(id) !== key) throw new Error("expected the canonical encoding of a policy id");
  return id;
}
