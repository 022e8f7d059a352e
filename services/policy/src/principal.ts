// Who a credential belongs to: the master key, or a virtual key with its team and user, or nobody (with a
// caller-safe reason). Shared by Authorize and the admin API, so both refuse the same credentials.

import { createHash, timingSafeEqual } from "node:crypto";
import type { policy } from "@switchyard/proto";
import { findKey, type KeyHasher, MAX_CREDENTIAL_LENGTH } from "./credentials.js";
import type { PolicyState } from "./state.js";

/** The outcome of resolving a credential. */
export type Principal =
  | { readonly kind: "master"; readonly keyId: string }
  | {
      readonly kind: "key";
      readonly key: policy.Key;
      readonly team: policy.Team | undefined;
      readonly user: policy.User | undefined;
    }
  | { readonly kind: "denied"; readonly reason: string };

/** Resolves credentials to principals. */
export interface PrincipalResolver {
  resolve(credential: string): Principal;
}

/** What resolving needs; without `state` and `hasher` only the master key is known. */
export interface ResolverOptions {
  masterKey: string;
  state?: PolicyState | undefined;
  hasher?: KeyHasher | undefined;
  now?: () => number;
}

const INVALID: Principal = { kind: "denied", reason: "invalid api key" };

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Creates the resolver. The master key is compared digest to digest with timingSafeEqual, so neither time nor
 * memory reveals it; virtual keys are found by their HMAC (credentials.ts). A key is refused when it is blocked or
 * expired, or when its team or user is blocked or gone.
 */
export function createResolver(options: ResolverOptions): PrincipalResolver {
  const masterDigest = digest(options.masterKey);
  const masterId = `master-${masterDigest.subarray(0, 4).toString("hex")}`;
  const now = options.now ?? Date.now;
  const { state, hasher } = options;
  return {
    resolve(credential) {
      // Bound the work done for hostile input before hashing it.
      if (credential.length === 0 || credential.length > MAX_CREDENTIAL_LENGTH) return INVALID;
      if (timingSafeEqual(digest(credential), masterDigest)) return { kind: "master", keyId: masterId };
      if (!state || !hasher) return INVALID;
      const stored = findKey(state, hasher, credential);
      if (!stored) return INVALID;
      const { key } = stored;
      if (key.blocked) return { kind: "denied", reason: "api key is blocked" };
      if (key.expiresAtMs !== 0n && key.expiresAtMs <= BigInt(now()))
        return { kind: "denied", reason: "api key expired" };
      const team = key.teamId === "" ? undefined : state.get("teams", key.teamId);
      if (key.teamId !== "" && !team) return { kind: "denied", reason: "the key's team no longer exists" };
      if (team?.blocked) return { kind: "denied", reason: "the key's team is blocked" };
      const user = key.userId === "" ? undefined : state.get("users", key.userId);
      if (key.userId !== "" && !user) return { kind: "denied", reason: "the key's user no longer exists" };
      if (user?.blocked) return { kind: "denied", reason: "the key's user is blocked" };
      return { kind: "key", key, team, user };
    },
  };
}
