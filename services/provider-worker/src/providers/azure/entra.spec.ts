import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { llm } from "@switchyard/proto";
import type { GatewayError } from "@switchyard/runtime";
import { richRequest } from "../openai/testdata/canonical.js";
import {
  fixture,
  isErrorClass,
  type LocalUpstream,
  type SeenRequest,
  startUpstream,
  testContext,
  testDeployment,
  testDispatcher,
} from "../testkit.js";
import type { AttemptContext } from "../types.js";
import { EntraTokens, REFRESH_MARGIN_MS, tokenUrl } from "./entra.js";
import { createAzureAdapter } from "./index.js";

const SECRET = "client-secret-value-0123456789";
const { ErrorClass } = llm;
const TOKEN_PATH = "/tenant-1/oauth2/v2.0/token";
const CHAT_PATH = "/openai/deployments/gpt-4o-prod/chat/completions";

/** A Date.now that tests move by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("azure adapter with Entra ID client credentials", () => {
  const dispatcher = testDispatcher();
  let upstream: LocalUpstream;
  let tokenStatus = 200;
  let minted = 0;
  const tokenRequests = () => upstream.seen.filter((r) => r.url === TOKEN_PATH);
  const chats = () => upstream.seen.filter((r) => r.url.startsWith(CHAT_PATH));
  const ctx = (): AttemptContext => {
    const dep = testDeployment("azure", {
      model: "gpt-4o-prod",
      apiBase: upstream.url,
      params: { tenant_id: "tenant-1", client_id: "client-1", azure_authority_host: `${upstream.url}/` },
    });
    return { ...testContext(dep, dispatcher), credentials: { client_secret: SECRET } };
  };
  const tokenOf = (req: SeenRequest | undefined) => req?.headers.authorization?.replace(/^Bearer /, "");

  before(async () => {
    upstream = await startUpstream();
  });
  beforeEach(() => {
    upstream.seen.length = 0;
    tokenStatus = 200;
    upstream.handle(async (req, res) => {
      if (req.url === TOKEN_PATH) {
        if (tokenStatus !== 200) {
          res.writeHead(tokenStatus, { "content-type": "application/json" });
          return res.end(fixture(import.meta.url, "token-error.json"));
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
        minted++;
        const token = { ...JSON.parse(fixture(import.meta.url, "token.json")), access_token: `entra-token-${minted}` };
        return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(token));
      }
      res.writeHead(200, { "content-type": "application/json" }).end(fixture(import.meta.url, "response.json"));
    });
  });
  after(async () => {
    await upstream.close();
    await dispatcher.close();
  });

  it("mints a token with the client-credentials grant and sends it as a Bearer token", async () => {
    const adapter = createAzureAdapter(new EntraTokens());
    await adapter.chat(richRequest(), ctx());
    const [grant] = tokenRequests();
    assert.equal(grant?.method, "POST");
    assert.equal(grant?.headers["content-type"], "application/x-www-form-urlencoded");
    assert.deepEqual(Object.fromEntries(new URLSearchParams(grant?.body)), {
      grant_type: "client_credentials",
      client_id: "client-1",
      client_secret: SECRET,
      scope: "https://cognitiveservices.azure.com/.default",
    });
    const chat = chats().at(-1)!;
    assert.equal(chat.headers.authorization, `Bearer entra-token-${minted}`);
    assert.equal(chat.headers["api-key"], undefined);
    assert.ok(!chat.body.includes(SECRET) && !JSON.stringify(chat.headers).includes(SECRET));
  });

  it("caches the token, mints it once for concurrent calls, and refreshes it before it expires", async () => {
    const clock = manualClock();
    const adapter = createAzureAdapter(new EntraTokens(clock.now));
    await Promise.all([1, 2, 3].map(() => adapter.chat(richRequest(), ctx())));
    await adapter.chat(richRequest(), ctx());
    assert.equal(tokenRequests().length, 1);
    assert.equal(new Set(chats().map(tokenOf)).size, 1);
    // 3599 s tokens are refreshed five minutes before they expire.
    clock.advance(3599_000 - REFRESH_MARGIN_MS - 1000);
    await adapter.chat(richRequest(), ctx());
    assert.equal(tokenRequests().length, 1);
    clock.advance(2000);
    await adapter.chat(richRequest(), ctx());
    assert.equal(tokenRequests().length, 2);
    assert.notEqual(tokenOf(chats().at(-1)), tokenOf(chats()[0]));
  });

  it("keeps using a token that has not expired when its refresh fails, then fails once it has", async () => {
    const clock = manualClock();
    const adapter = createAzureAdapter(new EntraTokens(clock.now));
    await adapter.chat(richRequest(), ctx());
    const first = tokenOf(chats().at(-1));
    tokenStatus = 503;
    clock.advance(3599_000 - REFRESH_MARGIN_MS + 1000);
    await adapter.chat(richRequest(), ctx());
    assert.equal(tokenOf(chats().at(-1)), first);
    clock.advance(REFRESH_MARGIN_MS);
    await assert.rejects(adapter.chat(richRequest(), ctx()), isErrorClass(ErrorClass.UNAVAILABLE, SECRET));
  });

  it("classifies a refused secret as AUTH, with the OAuth error and without the secret", async () => {
    tokenStatus = 401;
    const adapter = createAzureAdapter(new EntraTokens());
    await assert.rejects(adapter.chat(richRequest(), ctx()), (err: unknown) => {
      isErrorClass(ErrorClass.AUTH, SECRET)(err);
      assert.match((err as Error).message, /invalid_client/);
      assert.ok(!String((err as GatewayError).cause).includes(SECRET));
      return true;
    });
    assert.equal(chats().length, 0);
  });

  it("shares one refresh between deployments of one credential, each failing under its own id", async () => {
    tokenStatus = 401;
    const adapter = createAzureAdapter(new EntraTokens());
    const other = { ...ctx(), deployment: { ...ctx().deployment, id: "azure-test/1" } };
    const results = await Promise.allSettled([adapter.chat(richRequest(), ctx()), adapter.chat(richRequest(), other)]);
    const ids = results.map((r) => (r.status === "rejected" ? (r.reason as GatewayError).detail.deploymentId : ""));
    assert.deepEqual(ids, ["azure-test/0", "azure-test/1"]);
    assert.equal(tokenRequests().length, 1);
  });

  it("keeps a minted token out of upstream error text", async () => {
    const adapter = createAzureAdapter(new EntraTokens());
    await adapter.chat(richRequest(), ctx());
    const token = tokenOf(chats().at(-1))!;
    upstream.handle((req, res) => {
      if (req.url === TOKEN_PATH) return res.writeHead(500).end();
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "bad", message: `token ${token} is odd` } }));
    });
    await assert.rejects(adapter.chat(richRequest(), ctx()), (err: unknown) => {
      isErrorClass(ErrorClass.INVALID_REQUEST, token)(err);
      assert.ok(!String((err as GatewayError).cause).includes(token));
      return true;
    });
  });

  it("builds the token URL from the authority host and tenant", () => {
    const grant = { authorityHost: "https://login.microsoftonline.us/", tenantId: "contoso.onmicrosoft.com" };
    assert.equal(tokenUrl(grant), "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token");
  });
});
