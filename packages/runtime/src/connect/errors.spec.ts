import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import { llm } from "@switchyard/proto";
import { ERROR_DETAIL_TYPE, GatewayError } from "../errors.js";
import { httpStatusOfCode } from "./codes.js";

const classes = Object.values(llm.ErrorClass).filter((v): v is llm.ErrorClass => typeof v === "number");

describe("GatewayError over Connect", () => {
  it("round-trips the switchyard.llm.v1.Error detail exactly for every class", () => {
    for (const cls of classes) {
      const sent = new GatewayError({
        class: cls,
        message: `m${cls}`,
        param: "p",
        deploymentId: "d",
        retryAfterSeconds: 2,
      });
      const json = JSON.parse(JSON.stringify(sent.toConnectError()));
      assert.equal(json.details[0].type, ERROR_DETAIL_TYPE);
      assert.doesNotMatch(json.details[0].value, /=$/);
      const got = GatewayError.fromConnectError(json, httpStatusOfCode(json.code));
      assert.deepEqual(toBinary(llm.ErrorSchema, got.detail), toBinary(llm.ErrorSchema, sent.detail));
    }
  });

  it("maps classes to the Connect codes of their gRPC statuses", () => {
    const code = (cls: llm.ErrorClass) => new GatewayError({ class: cls, message: "x" }).toConnectError().code;
    assert.equal(code(llm.ErrorClass.UNAVAILABLE), "unavailable");
    assert.equal(code(llm.ErrorClass.TIMEOUT), "deadline_exceeded");
    assert.equal(code(llm.ErrorClass.AUTH), "unauthenticated");
    assert.equal(code(llm.ErrorClass.CANCELLED), "canceled");
    assert.equal(code(llm.ErrorClass.RATE_LIMITED), "resource_exhausted");
  });

  it("falls back to the code, then the HTTP status, when the detail is missing or corrupt", () => {
    const corrupt = { code: "unavailable", message: "x", details: [{ type: ERROR_DETAIL_TYPE, value: "////" }] };
    assert.equal(GatewayError.fromConnectError(corrupt, 503).errorClass, llm.ErrorClass.UNAVAILABLE);
    assert.equal(GatewayError.fromConnectError({ code: "not_found", message: "nope" }, 404).message, "nope");
    assert.equal(GatewayError.fromConnectError(undefined, 401).errorClass, llm.ErrorClass.AUTH);
    assert.equal(GatewayError.fromConnectError("garbage", 502).errorClass, llm.ErrorClass.UNAVAILABLE);
    assert.equal(GatewayError.fromConnectError({ code: 7 }, 500).errorClass, llm.ErrorClass.INTERNAL);
  });

  it("accepts padded base64 details", () => {
    const sent = new GatewayError({ class: llm.ErrorClass.AUTH, message: "who?" });
    const value = Buffer.from(toBinary(llm.ErrorSchema, sent.detail)).toString("base64");
    const got = GatewayError.fromConnectError(
      { code: "unauthenticated", details: [{ type: ERROR_DETAIL_TYPE, value }] },
      401,
    );
    assert.equal(got.message, "who?");
  });
});
