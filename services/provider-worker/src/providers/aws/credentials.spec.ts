import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";
import { testDeployment } from "../testkit.js";
import { createAwsCredentialSource, type Env, REFRESH_MARGIN_MS } from "./credentials.js";
import { type FakeSts, startFakeSts } from "./testkit.js";

const ROLE = "arn:aws:iam::123456789012:role/switchyard";

function attempt(params: Deployment["params"] = {}, credentials?: Record<string, string>) {
  return { deployment: testDeployment("bedrock", { params }), ...(credentials ? { credentials } : {}) };
}

function rejectsWith(cls: llm.ErrorClass, message: RegExp, secret?: string) {
  return (err: unknown) => {
    assert.ok(err instanceof GatewayError, String(err));
    assert.equal(err.errorClass, cls, err.message);
    assert.match(err.message, message);
    if (secret) assert.ok(!err.message.includes(secret) && !String(err.cause).includes(secret));
    return true;
  };
}

describe("AWS credential resolution", () => {
  let sts: FakeSts;
  let tokenFile: string;
  before(async () => {
    sts = await startFakeSts();
    tokenFile = join(mkdtempSync(join(tmpdir(), "aws-token-")), "token");
    writeFileSync(tokenFile, "token-one\n");
  });
  after(() => sts.close());

  const irsaEnv = (): Env => ({
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_ROLE_ARN: ROLE,
    AWS_STS_ENDPOINT: sts.url,
  });

  it("uses the deployment's own keys first, then the environment's", async () => {
    const env: Env = {
      AWS_ACCESS_KEY_ID: "AKIAENV",
      AWS_SECRET_ACCESS_KEY: "env-secret",
      AWS_SESSION_TOKEN: "env-token",
    };
    const source = createAwsCredentialSource({ env });
    const own = { aws_access_key_id: "AKIAOWN", aws_secret_access_key: "own-secret" };
    assert.deepEqual(await source.resolve(attempt({}, own), "us-east-1"), {
      accessKeyId: "AKIAOWN",
      secretAccessKey: "own-secret",
    });
    assert.deepEqual(await source.resolve(attempt({}, { ...own, aws_session_token: "t" }), "us-east-1"), {
      accessKeyId: "AKIAOWN",
      secretAccessKey: "own-secret",
      sessionToken: "t",
    });
    assert.deepEqual(await source.resolve(attempt(), "us-east-1"), {
      accessKeyId: "AKIAENV",
      secretAccessKey: "env-secret",
      sessionToken: "env-token",
    });
  });

  it("prefers static environment keys over IRSA, as the AWS chain does", async () => {
    const env: Env = { ...irsaEnv(), AWS_ACCESS_KEY_ID: "AKIAENV", AWS_SECRET_ACCESS_KEY: "s" };
    const before = sts.requests.length;
    assert.equal((await createAwsCredentialSource({ env }).resolve(attempt(), "us-east-1")).accessKeyId, "AKIAENV");
    assert.equal(sts.requests.length, before);
  });

  it("refuses half a key pair, unsupported auth parameters and a missing configuration", async () => {
    const source = createAwsCredentialSource({ env: {} });
    await assert.rejects(
      source.resolve(attempt({}, { aws_access_key_id: "AKIA" }), "us-east-1"),
      rejectsWith(llm.ErrorClass.INTERNAL, /must be set together/),
    );
    await assert.rejects(
      source.resolve(attempt({ aws_profile_name: "dev" }), "us-east-1"),
      rejectsWith(llm.ErrorClass.INTERNAL, /aws_profile_name is not supported/),
    );
    await assert.rejects(
      source.resolve(attempt({ aws_role_name: ROLE }), "us-east-1"),
      rejectsWith(llm.ErrorClass.INTERNAL, /aws_role_name needs aws_web_identity_token/),
    );
    await assert.rejects(
      source.resolve(attempt(), "us-east-1"),
      rejectsWith(llm.ErrorClass.INTERNAL, /no AWS credentials/),
    );
  });

  it("assumes the IRSA role once, caches it, and refreshes it before it expires, re-reading the token file", async () => {
    let now = Date.now();
    const source = createAwsCredentialSource({ env: irsaEnv(), now: () => now });
    const before = sts.requests.length;
    const [a, b] = await Promise.all([source.resolve(attempt(), "eu-west-1"), source.resolve(attempt(), "eu-west-1")]);
    assert.equal(sts.requests.length, before + 1, "concurrent callers share one STS call");
    assert.equal(a.accessKeyId, b.accessKeyId);
    assert.equal(a.sessionToken, sts.credentials(before + 1).sessionToken);
    const form = sts.requests.at(-1)!;
    assert.deepEqual(
      [form.get("Action"), form.get("RoleArn"), form.get("RoleSessionName"), form.get("WebIdentityToken")],
      ["AssumeRoleWithWebIdentity", ROLE, "switchyard", "token-one"],
    );
    now += 30 * 60_000;
    assert.equal((await source.resolve(attempt(), "eu-west-1")).accessKeyId, a.accessKeyId, "still fresh");
    assert.equal(sts.requests.length, before + 1);
    writeFileSync(tokenFile, "token-two\n");
    now = a.expiration!.getTime() - REFRESH_MARGIN_MS + 1;
    const refreshed = await source.resolve(attempt(), "eu-west-1");
    assert.equal(sts.requests.length, before + 2, "refreshed inside the margin");
    assert.notEqual(refreshed.accessKeyId, a.accessKeyId);
    assert.equal(sts.requests.at(-1)!.get("WebIdentityToken"), "token-two", "the rotated token is read");
    writeFileSync(tokenFile, "token-one\n");
  });

  it("keeps using unexpired credentials when a refresh fails, and fails once they have expired", async () => {
    let now = Date.now();
    const source = createAwsCredentialSource({ env: irsaEnv(), now: () => now });
    const first = await source.resolve(attempt(), "ap-south-1");
    now = first.expiration!.getTime() - 60_000;
    sts.failNext(403, "AccessDenied");
    assert.equal((await source.resolve(attempt(), "ap-south-1")).accessKeyId, first.accessKeyId);
    now = first.expiration!.getTime() + 1;
    sts.failNext(400, "InvalidIdentityToken");
    await assert.rejects(
      source.resolve(attempt(), "ap-south-1"),
      rejectsWith(llm.ErrorClass.AUTH, /STS AssumeRoleWithWebIdentity failed/),
    );
  });

  it("assumes the deployment's role with its own web identity token, which never reaches an error", async () => {
    const token = "eyJraWQiOiJkZXBsb3ltZW50LXRva2VuIn0.payload.signature";
    const source = createAwsCredentialSource({ env: {} });
    const params = { aws_role_name: ROLE, aws_session_name: "litellm-session", aws_sts_endpoint: sts.url };
    const creds = await source.resolve(attempt(params, { aws_web_identity_token: token }), "us-east-1");
    assert.equal(creds.sessionToken, sts.credentials(sts.requests.length).sessionToken);
    assert.equal(sts.requests.at(-1)!.get("RoleSessionName"), "litellm-session");
    assert.equal(sts.requests.at(-1)!.get("WebIdentityToken"), token);
    sts.failNext(400, "InvalidIdentityToken");
    const other = { aws_web_identity_token: `${token}-other` };
    await assert.rejects(
      source.resolve(attempt(params, other), "us-east-1"),
      rejectsWith(llm.ErrorClass.AUTH, /InvalidIdentityToken/, token),
    );
  });

  it("classifies an unreachable STS as UNAVAILABLE", async () => {
    const env: Env = { ...irsaEnv(), AWS_STS_ENDPOINT: "http://127.0.0.1:1" };
    const source = createAwsCredentialSource({ env, stsConnectTimeoutMs: 500, stsRequestTimeoutMs: 1000 });
    await assert.rejects(source.resolve(attempt(), "us-east-1"), rejectsWith(llm.ErrorClass.UNAVAILABLE, /STS/));
  });
});
