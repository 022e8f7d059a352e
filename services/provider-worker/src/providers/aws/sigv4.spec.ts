import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { signRequest } from "./sigv4.js";
import { parseAuthorization, verifySigV4 } from "./testkit.js";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const date = new Date("2026-12-06T10:30:00Z");

describe("signRequest", () => {
  it("signs host, content type, date and body hash, and the signature verifies", async () => {
    const body = '{"messages":[{"role":"user","content":[{"text":"hi"}]}]}';
    const url = "http://127.0.0.1:8443/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse?trace=1";
    const headers = await signRequest({
      url,
      body,
      headers: { "content-type": "application/json" },
      service: "bedrock",
      region: "us-east-1",
      credentials,
      date,
    });
    assert.equal(headers.host, undefined, "the HTTP client sends the host it was signed with");
    assert.equal(headers["x-amz-date"], "20261206T103000Z");
    const auth = parseAuthorization(headers.authorization);
    assert.deepEqual(auth.signedHeaders, ["content-type", "host", "x-amz-content-sha256", "x-amz-date"]);
    assert.equal(auth.date, "20261206");
    const seen = {
      method: "POST",
      url: "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse?trace=1",
      headers: { ...headers, host: "127.0.0.1:8443" },
      body,
    };
    await verifySigV4(seen, credentials, { service: "bedrock", region: "us-east-1" });
    await assert.rejects(
      verifySigV4({ ...seen, url: seen.url.replace("trace=1", "trace=2") }, credentials, {
        service: "bedrock",
        region: "us-east-1",
      }),
    );
    await assert.rejects(verifySigV4(seen, credentials, { service: "sagemaker", region: "us-east-1" }));
  });

  it("adds and signs the session token of temporary credentials", async () => {
    const headers = await signRequest({
      url: "https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/tgi/invocations",
      body: "{}",
      headers: { "content-type": "application/json", "x-amzn-sagemaker-inference-component": "ic-1" },
      service: "sagemaker",
      region: "eu-west-1",
      credentials: { ...credentials, sessionToken: "session-token" },
      date,
    });
    assert.equal(headers["x-amz-security-token"], "session-token");
    assert.ok(parseAuthorization(headers.authorization).signedHeaders.includes("x-amzn-sagemaker-inference-component"));
  });
});
