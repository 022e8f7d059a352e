// Virtual-key secrets: generated from 256 random bits, shown once, and stored only as an HMAC-SHA256 under a server
// secret (SWITCHYARD_KEY_HASH_SECRET), so a copy of the KV buckets neither contains a usable key nor lets anyone test
// guesses offline without that secret.

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { StoredKey } from "./records.js";

/** Credentials longer than this are refused before any hashing: real keys are 46 characters. */
export const MAX_CREDENTIAL_LENGTH = 4096;

/** The prefix every generated secret starts with, as OpenAI and LiteLLM keys do. */
export const SECRET_PREFIX = "sk-";

const SECRET_BYTES = 32;
const MIN_HASH_SECRET_LENGTH = 32;

/** A new secret: "sk-" and 32 random bytes in base64url (256 bits). */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64url");
}

/** A new public key id: "key_" and 16 hex digits; it never changes, regenerating the secret included. */
export function newKeyId(): string {
  return `key_${randomBytes(8).toString("hex")}`;
}

/** The masked form of a secret shown in listings: "sk-..." and its last four characters. */
export function maskSecret(secret: string): string {
  return `${SECRET_PREFIX}...${secret.slice(-4)}`;
}

/** Computes the stored hash of a credential. */
export interface KeyHasher {
  /** HMAC-SHA256 of the credential; the caller bounds its length first. */
  hash(credential: string): Buffer;
}

/** A hasher keyed with `secret`; throws when the secret is too short to resist guessing. */
export function createKeyHasher(secret: string): KeyHasher {
  if (secret.length < MIN_HASH_SECRET_LENGTH) {
    throw new Error(`SWITCHYARD_KEY_HASH_SECRET: expected at least ${MIN_HASH_SECRET_LENGTH} characters`);
  }
  const key = Buffer.from(secret, "utf8");
  return { hash: (credential) => createHmac("sha256", key).update(credential, "utf8").digest() };
}

/** What `findKey` reads: the hash index and the keys. */
export interface KeyIndex {
  keyIdByHash(hash: string): string | undefined;
  key(id: string): StoredKey | undefined;
}

/**
 * Finds the stored key of a presented credential. The index narrows the search to one key by the base64 of the
 * HMAC (which reveals nothing about the credential without the server secret); that key's stored hash is then
 * compared with `timingSafeEqual`, so the index alone never authenticates anyone.
 */
export function findKey(index: KeyIndex, hasher: KeyHasher, credential: string): StoredKey | undefined {
  if (credential.length === 0 || credential.length > MAX_CREDENTIAL_LENGTH) return undefined;
  const hash = hasher.hash(credential);
  const id = index.keyIdByHash(hash.toString("base64"));
  const stored = id === undefined ? undefined : index.key(id);
  if (!stored || stored.hash.length !== hash.length) return undefined;
  return timingSafeEqual(stored.hash, hash) ? stored : undefined;
}
