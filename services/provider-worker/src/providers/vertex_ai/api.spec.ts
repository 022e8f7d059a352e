import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import { isErrorClass, testDeployment } from "../testkit.js";
import { configuredProject, locationOf, routeOf, vertexUrl } from "./api.js";

const target = { project: "p1", location: "us-east5" };

describe("vertex_ai api", () => {
  it("builds the regional URL of each route, and the global host for location global", () => {
    const gemini = testDeployment("vertex_ai", { model: "gemini-2.5-pro" });
    assert.equal(
      vertexUrl(gemini, target, "gemini", false),
      "https://us-east5-aiplatform.googleapis.com/v1/projects/p1/locations/us-east5/publishers/google/models/gemini-2.5-pro:generateContent",
    );
    assert.equal(
      vertexUrl(gemini, { project: "p1", location: "global" }, "gemini", true),
      "https://aiplatform.googleapis.com/v1/projects/p1/locations/global/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
    );
    const claude = testDeployment("vertex_ai", { model: "claude-opus-4-1@20250805" });
    assert.equal(
      vertexUrl(claude, target, "claude", true),
      "https://us-east5-aiplatform.googleapis.com/v1/projects/p1/locations/us-east5/publishers/anthropic/models/claude-opus-4-1@20250805:streamRawPredict",
    );
  });

  it("takes an api_base as the host, with or without its /v1", () => {
    const dep = (apiBase: string) => testDeployment("vertex_ai", { model: "gemini-2.5-flash", apiBase });
    const path = "/v1/projects/p1/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent";
    assert.equal(vertexUrl(dep("https://psc.internal/"), target, "gemini", false), `https://psc.internal${path}`);
    assert.equal(vertexUrl(dep("https://psc.internal/v1"), target, "gemini", false), `https://psc.internal${path}`);
  });

  it("reads LiteLLM's params and their aliases, with us-central1 as the default location", () => {
    assert.equal(locationOf(testDeployment("vertex_ai")), "us-central1");
    assert.equal(
      locationOf(testDeployment("vertex_ai", { params: { vertex_ai_location: "asia-east1" } })),
      "asia-east1",
    );
    assert.equal(configuredProject(testDeployment("vertex_ai", { params: { vertex_project: " p2 " } })), "p2");
    assert.equal(configuredProject(testDeployment("vertex_ai", { params: { vertex_ai_project: "p3" } })), "p3");
    assert.equal(configuredProject(testDeployment("vertex_ai")), undefined);
  });

  it("routes Claude to the anthropic publisher and refuses other publishers", () => {
    assert.equal(routeOf(testDeployment("vertex_ai", { model: "claude-3-5-haiku@20241022" })), "claude");
    assert.equal(routeOf(testDeployment("vertex_ai", { model: "gemini-2.0-flash-001" })), "gemini");
    assert.throws(
      () => routeOf(testDeployment("vertex_ai", { model: "mistralai/mistral-large" })),
      isErrorClass(llm.ErrorClass.NOT_FOUND),
    );
  });
});
