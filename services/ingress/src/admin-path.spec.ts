import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GatewayError } from "@switchyard/runtime";
import { matchAdmin } from "./admin.js";
import { matchPattern, parseTarget } from "./admin-path.js";

const HOSTILE = [
  "//key/info",
  "/key//info",
  "/key/info/",
  "/%6bey/info",
  "/key/%69nfo",
  "/key/info%00",
  "/key/info%2F",
  "/key/./info",
  "/./key/info",
  "/x/../key/info",
  "/key/info/..",
  "/key\\info",
  "/key/info;jsessionid=1",
  "/key/ info",
  "/key/\tinfo",
  "/кey/info",
  "http://admin.internal/key/info",
  "*",
  "",
  `/key/${"a".repeat(9000)}`,
];

describe("parseTarget", () => {
  it("splits canonical targets into path and query", () => {
    const target = parseTarget("/key/info?key=sk-abc&x=%20y");
    assert.equal(target.path, "/key/info");
    assert.equal(target.query.get("x"), " y");
    assert.equal(target.hasQuery, true);
    assert.equal(parseTarget("/").path, "/");
    assert.equal(parseTarget("/key/generate").hasQuery, false);
    assert.equal(parseTarget("/favicon.ico").path, "/favicon.ico");
  });

  it("refuses percent-encoding, empty and dot segments, odd characters and absolute-form targets", () => {
    for (const url of HOSTILE) {
      assert.throws(
        () => parseTarget(url),
        (err: GatewayError) => err.detail.httpStatus === 400 && err.message.startsWith("request path: "),
        url,
      );
    }
  });
});

describe("matchAdmin", () => {
  it("matches exact LiteLLM paths only", () => {
    assert.equal(matchAdmin("POST", "/key/generate")?.route.method, "POST");
    assert.equal(matchAdmin("GET", "/key/info?key=sk-1")?.target.query.get("key"), "sk-1");
    assert.equal(matchAdmin("GET", "/end_user/info?end_user_id=c")?.route.method, "GET");
    for (const other of ["/v1/key/info", "/key/info.json", "/Key/info", "/key/infos", "/key", "/keys/info", "/"]) {
      assert.equal(matchAdmin("GET", other), undefined, other);
    }
  });

  it("takes the key of /key/{key}/regenerate from one canonical segment", () => {
    assert.equal(matchAdmin("POST", "/key/sk-AbC_123-x/regenerate")?.pathKey, "sk-AbC_123-x");
    assert.equal(matchAdmin("POST", "/key/key_00ff/regenerate")?.pathKey, "key_00ff");
    assert.equal(matchAdmin("POST", "/key/regenerate")?.pathKey, undefined);
    assert.equal(matchAdmin("POST", "/key/a/b/regenerate"), undefined);
    assert.equal(matchPattern({ prefix: "/key/", suffix: "/regenerate" }, "/key//regenerate"), undefined);
  });

  it("answers 405 for an admin path called with another method", () => {
    assert.throws(
      () => matchAdmin("GET", "/key/generate"),
      (err: GatewayError) => err.detail.httpStatus === 405,
    );
    assert.throws(
      () => matchAdmin("POST", "/key/info"),
      (err: GatewayError) => err.detail.httpStatus === 405,
    );
    assert.throws(
      () => matchAdmin("DELETE", "/team/delete"),
      (err: GatewayError) => err.detail.httpStatus === 405,
    );
  });

  it("refuses hostile paths before matching", () => {
    for (const url of HOSTILE) assert.throws(() => matchAdmin("GET", url), /request path: /, url);
  });
});
