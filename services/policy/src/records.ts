// What the policy buckets hold: one record per key, team, user and customer, as binary protobuf. A key is stored as
// the envelope `message StoredKey { policy.v1.Key key = 1; bytes secret_hash = 2; }`, written with the wire
// helpers so no proto of its own is needed; teams, users and customers are their admin messages. Spend is never
// stored (it comes from metering) and a user's team ids are derived from the teams' member lists.

import { clone, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { policy } from "@switchyard/proto";

/** The kinds of record, one KV bucket each. */
export type Kind = "keys" | "teams" | "users" | "customers";

/** Every kind, in a fixed order. */
export const KINDS: readonly Kind[] = ["keys", "teams", "users", "customers"];

/** A key with the HMAC of its secret; the secret itself is never stored. */
export interface StoredKey {
  readonly key: policy.Key;
  /** HMAC-SHA256 of the secret under SWITCHYARD_KEY_HASH_SECRET. */
  readonly hash: Uint8Array;
}

/** The record type of each kind. */
export interface Records {
  keys: StoredKey;
  teams: policy.Team;
  users: policy.User;
  customers: policy.Customer;
}

/** The JetStream KV bucket of each kind. */
export const BUCKETS: Readonly<Record<Kind, string>> = {
  keys: "switchyard-policy-keys",
  teams: "switchyard-policy-teams",
  users: "switchyard-policy-users",
  customers: "switchyard-policy-customers",
};

const KEY_FIELD = 1;
const HASH_FIELD = 2;

function encodeKey(stored: StoredKey): Uint8Array {
  const key = clone(policy.KeySchema, stored.key);
  key.spendNanos = 0n;
  return new BinaryWriter()
    .tag(KEY_FIELD, WireType.LengthDelimited)
    .bytes(toBinary(policy.KeySchema, key))
    .tag(HASH_FIELD, WireType.LengthDelimited)
    .bytes(stored.hash)
    .finish();
}

function decodeKey(bytes: Uint8Array): StoredKey {
  const reader = new BinaryReader(bytes);
  let key: policy.Key | undefined;
  let hash: Uint8Array | undefined;
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === KEY_FIELD && wireType === WireType.LengthDelimited)
      key = fromBinary(policy.KeySchema, reader.bytes());
    else if (field === HASH_FIELD && wireType === WireType.LengthDelimited) hash = reader.bytes();
    else reader.skip(wireType, field);
  }
  if (!key || !hash || key.keyId === "") throw new Error("expected a stored key with an id and a hash");
  return { key, hash };
}

/** Encodes a record for its bucket, leaving out the derived fields (spend, a user's team ids). */
export function encodeRecord<K extends Kind>(kind: K, record: Records[K]): Uint8Array {
  switch (kind) {
    case "keys":
      return encodeKey(record as StoredKey);
    case "teams":
      return toBinary(policy.TeamSchema, { ...(record as policy.Team), spendNanos: 0n });
    case "users":
      return toBinary(policy.UserSchema, { ...(record as policy.User), spendNanos: 0n, teamIds: [] });
    case "customers":
      return toBinary(policy.CustomerSchema, { ...(record as policy.Customer), spendNanos: 0n });
  }
  throw new Error(`unknown record kind ${String(kind)}`);
}

/** Decodes a record read from its bucket; throws when the bytes are not one. */
export function decodeRecord<K extends Kind>(kind: K, bytes: Uint8Array): Records[K] {
  switch (kind) {
    case "keys":
      return decodeKey(bytes) as Records[K];
    case "teams":
      return fromBinary(policy.TeamSchema, bytes) as Records[K];
    case "users":
      return fromBinary(policy.UserSchema, bytes) as Records[K];
    case "customers":
      return fromBinary(policy.CustomerSchema, bytes) as Records[K];
  }
  throw new Error(`unknown record kind ${String(kind)}`);
}
