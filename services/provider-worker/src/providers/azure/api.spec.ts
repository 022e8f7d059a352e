import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { testDeployment } from "../testkit.js";
import { acceptsStreamOptions, azureAuthOf, azureChatUrl, DEFAULT_API_VERSION } from "./api.js";

describe("azure api", () => {
  it("builds the deployment URL from api_base, the deployment and api_version", () => {
    const base = "https://contoso.openai.azure.com/";
    assert.equal(
      azureChatUrl({ apiBase: base, model: "gpt-4o" }),
      `https://contoso.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=${DEFAULT_API_VERSION}`,
    );
    assert.equal(
      azureChatUrl({
        apiBase: "https://contoso.openai.azure.com/openai",
        model: "gpt5_series/gpt-5",
        apiVersion: "preview",
      }),
      "https://contoso.openai.azure.com/openai/deployments/gpt-5/chat/completions?api-version=preview",
    );
  });

  it("knows which API versions take stream_options", () => {
    assert.equal(acceptsStreamOptions("2024-06-01"), false);
    assert.equal(acceptsStreamOptions("2024-08-01-preview"), false);
    assert.equal(acceptsStreamOptions("2024-09-01-preview"), true);
    assert.equal(acceptsStreamOptions("2024-10-21"), true);
    assert.equal(acceptsStreamOptions("preview"), true);
  });

  it("prefers an Entra ID token to the key, and reads the client-credentials grant with its defaults", () => {
    const deployment = testDeployment("azure", { params: { tenant_id: "t", client_id: "c" } });
    assert.deepEqual(azureAuthOf({ deployment, apiKey: "k", credentials: { azure_ad_token: "tok" } }), {
      kind: "token",
      token: "tok",
    });
    assert.deepEqual(azureAuthOf({ deployment, apiKey: "k", credentials: { client_secret: "s" } }), {
      kind: "client",
      grant: {
        authorityHost: "https://login.microsoftonline.com",
        tenantId: "t",
        clientId: "c",
        clientSecret: "s",
        scope: "https://cognitiveservices.azure.com/.default",
      },
    });
    assert.deepEqual(azureAuthOf({ deployment: testDeployment("azure"), apiKey: "k" }), { kind: "key", key: "k" });
  });
});
