// A fake Microsoft Entra ID token endpoint for the OAuth 2.0 client-credentials grant
// (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow): POST
// `/{tenant}/oauth2/v2.0/token` with a form body, answered with an access token or Entra's OAuth error body.

import {
  type FakeProvider,
  type FakeUpstream,
  type JsonReply,
  type RecordedRequest,
  startFake,
} from "./fake-server.js";

/** The client a fake Entra tenant knows. */
export interface EntraClient {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The scope it grants; Azure OpenAI's by default. */
  readonly scope?: string;
  /** Token lifetime in seconds; 3599 by default, as Entra issues them. */
  readonly expiresIn?: number;
}

/** A running fake token endpoint; its `url` is the authority host (`azure_authority_host`). */
export interface FakeEntra extends FakeUpstream {
  /** The access tokens minted so far, in order. */
  readonly minted: readonly string[];
}

function oauthError(status: number, error: string, description: string): JsonReply {
  return { status, body: { error, error_description: description, error_codes: [7000215], timestamp: "fake" } };
}

function check(client: EntraClient, req: RecordedRequest): JsonReply | undefined {
  if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) {
    return oauthError(
      400,
      "invalid_request",
      "AADSTS900144: The request body must contain the 'grant_type' parameter.",
    );
  }
  const form = new URLSearchParams(typeof req.body === "string" ? req.body : "");
  if (form.get("grant_type") !== "client_credentials") {
    return oauthError(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.");
  }
  if (form.get("client_id") !== client.clientId || form.get("client_secret") !== client.clientSecret) {
    return oauthError(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
  }
  if (form.get("scope") !== (client.scope ?? "https://cognitiveservices.azure.com/.default")) {
    return oauthError(400, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid.");
  }
  return undefined;
}

/** Starts a fake token endpoint for one client of one tenant. */
export async function startFakeEntra(client: EntraClient): Promise<FakeEntra> {
  const minted: string[] = [];
  const provider: FakeProvider = {
    path: `/${client.tenantId}/oauth2/v2.0/token`,
    check: (req) => check(client, req),
    notFound: () => oauthError(400, "invalid_request", "AADSTS90002: Tenant not found."),
    answer: (_body, n) => {
      const token = `eyJ0eXAiOiJKV1QifQ.fake-entra-${n}`;
      minted.push(token);
      return { token_type: "Bearer", expires_in: client.expiresIn ?? 3599, ext_expires_in: 3599, access_token: token };
    },
    stream: () => [],
  };
  const fake = await startFake(provider);
  return Object.assign(fake, { minted });
}
