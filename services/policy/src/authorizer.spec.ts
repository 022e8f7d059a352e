import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { createAuthorizer } from "./authorizer.js";

const ask = (credential: string, model = "gpt-4o") => create(policy.AuthorizeRequestSchema, { credential, model });

describe("master key authorizer", () => {
  const authorizer = createAuthorizer("sk-master-secret");

  it("allows the master key as an admin with a cacheable decision", () => {
    const res = authorizer.authorize(ask("sk-master-secret"));
    assert.equal(res.decision, policy.Decision.ALLOW);
    assert.equal(res.isAdmin, true);
    assert.ok(res.cacheTtlMs > 0);
    assert.match(res.keyId, /^master-[0-9a-f]{8}$/);
    assert.ok(!res.keyId.includes("secret"));
  });

  it("denies wrong, empty, prefixed and oversized credentials", () => {
    for (const credential of ["sk-master-secreT", "", "Bearer sk-master-secret", "' OR '1'='1", "x".repeat(1 << 20)]) {
      const res = authorizer.authorize(ask(credential));
      assert.equal(res.decision, policy.Decision.DENY_UNAUTHENTICATED, credential.slice(0, 40));
      assert.equal(res.keyId, "");
    }
  });
});
