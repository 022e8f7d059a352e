import { createHash, timingSafeEqual } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";

const { Decision } = policy;

/** How long the ingress may reuse an allow decision before asking again. */
export const DECISION_TTL_MS = 60_000;

/** Decides whether a presented credential may call the gateway. */
export interface Authorizer {
  authorize(request: policy.AuthorizeRequest): policy.AuthorizeResponse;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Creates the authorizer for the master key. Only the key's SHA-256 digest is kept, and presented
 * credentials are compared digest to digest with timingSafeEqual, so neither the comparison time nor
 * memory reveals the key. Virtual keys, teams and budgets extend this in the policy issue.
 */
export function createAuthorizer(masterKey: string): Authorizer {
  const masterDigest = digest(masterKey);
  const masterId = `master-${masterDigest.subarray(0, 4).toString("hex")}`;
  return {
    authorize(request) {
      // Bound the work done for hostile input before hashing it.
      if (request.credential.length === 0 || request.credential.length > 4096) return deny();
      if (!timingSafeEqual(digest(request.credential), masterDigest)) return deny();
      return create(policy.AuthorizeResponseSchema, {
        decision: Decision.ALLOW,
        keyId: masterId,
        isAdmin: true,
        cacheTtlMs: DECISION_TTL_MS,
      });
    },
  };
}

function deny(): policy.AuthorizeResponse {
  return create(policy.AuthorizeResponseSchema, {
    decision: Decision.DENY_UNAUTHENTICATED,
    reason: "invalid api key",
  });
}
