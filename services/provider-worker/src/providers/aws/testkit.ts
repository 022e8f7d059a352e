// Helpers for the AWS adapters' specs: event-stream fixtures encoded with the AWS SDK's codec, an independent
// SigV4 check of what a local upstream received, and a fake STS. Test-only; nothing in the worker imports it.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@smithy/core/checksum";
import { EventStreamCodec, type MessageHeaders } from "@smithy/core/event-streams";
import { SignatureV4 } from "@smithy/signature-v4";
import type { SeenRequest } from "../testkit.js";
import type { AwsCredentials } from "./credentials.js";

/** One message of a stream fixture: an event with a JSON (or, for `raw`, text) payload, or an exception. */
export interface FixtureMessage {
  readonly event?: string;
  readonly exception?: string;
  readonly payload: unknown;
  /** Send `payload` (a string) as it is instead of as JSON: SageMaker's PayloadPart bytes. */
  readonly raw?: boolean;
  /** With `raw`: `payload` is base64 of the bytes, so a part can end inside a UTF-8 character. */
  readonly base64?: boolean;
}

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

const str = (value: string) => ({ type: "string" as const, value });

/** Encodes fixture messages as an application/vnd.amazon.eventstream body. */
export function encodeEventStream(messages: readonly FixtureMessage[]): Buffer {
  const parts = messages.map((m) => {
    const headers: MessageHeaders = m.exception
      ? { ":message-type": str("exception"), ":exception-type": str(m.exception) }
      : { ":message-type": str("event"), ":event-type": str(m.event ?? "") };
    headers[":content-type"] = str(m.raw ? "application/octet-stream" : "application/json");
    const text = m.raw ? String(m.payload) : JSON.stringify(m.payload);
    const body = m.base64 ? new Uint8Array(Buffer.from(text, "base64")) : new TextEncoder().encode(text);
    return codec.encode({ headers, body });
  });
  return Buffer.concat(parts);
}

/** Writes bytes in pieces of 1 to 7 bytes (cycling), yielding to the event loop between them. */
export async function writeBytesSlowly(res: ServerResponse, bytes: Uint8Array): Promise<void> {
  let size = 1;
  for (let i = 0; i < bytes.length; i += size) {
    size = (size % 7) + 1;
    res.write(bytes.subarray(i, i + size));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` header. */
export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: string[];
  readonly signature: string;
}

/** Parses a SigV4 Authorization header; fails the test when its structure is wrong. */
export function parseAuthorization(value: string | undefined): ParsedAuthorization {
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      value ?? "",
    );
  assert.ok(match, `not a SigV4 Authorization header: ${value}`);
  const [, accessKeyId, date, region, service, headers, signature] = match as unknown as string[];
  return {
    accessKeyId: accessKeyId!,
    date: date!,
    region: region!,
    service: service!,
    signedHeaders: headers!.split(";"),
    signature: signature!,
  };
}

function amzDate(value: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  assert.ok(m, `bad x-amz-date ${value}`);
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/**
 * Recomputes the signature of a received request from its method, path, query, signed headers and body with the SDK
 * signer and `credentials`, and checks it equals the one sent, together with the header's structure. Returns the
 * parsed header. A request changed after signing (body, path, a signed header) fails.
 */
export async function verifySigV4(
  seen: SeenRequest,
  credentials: AwsCredentials,
  expected: { service: string; region: string },
): Promise<ParsedAuthorization> {
  const auth = parseAuthorization(String(seen.headers.authorization));
  assert.equal(auth.accessKeyId, credentials.accessKeyId);
  assert.deepEqual([auth.service, auth.region], [expected.service, expected.region]);
  for (const name of ["host", "x-amz-date", "content-type"]) assert.ok(auth.signedHeaders.includes(name), name);
  if (credentials.sessionToken) {
    assert.equal(seen.headers["x-amz-security-token"], credentials.sessionToken);
    assert.ok(auth.signedHeaders.includes("x-amz-security-token"));
  }
  // The signer trusts an x-amz-content-sha256 header as the payload hash, so the body is checked against it here.
  const bodyHash = createHash("sha256").update(seen.body, "utf8").digest("hex");
  assert.equal(
    seen.headers["x-amz-content-sha256"] ?? bodyHash,
    bodyHash,
    "x-amz-content-sha256 is not the body's hash",
  );
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) headers[name] = String(seen.headers[name] ?? "");
  const date = amzDate(headers["x-amz-date"] ?? "");
  assert.equal(auth.date, headers["x-amz-date"]?.slice(0, 8));
  const [path = "", search = ""] = seen.url.split("?");
  const host = new URL(`http://${headers.host}`);
  const signer = new SignatureV4({ ...expected, credentials, sha256: Sha256 });
  const resigned = await signer.sign(
    {
      method: seen.method,
      protocol: "http:",
      hostname: host.hostname,
      ...(host.port ? { port: Number(host.port) } : {}),
      path,
      query: Object.fromEntries(new URLSearchParams(search)),
      headers,
      body: seen.body,
    },
    { signingDate: date },
  );
  assert.equal(resigned.headers.authorization, seen.headers.authorization, "SigV4 signature does not verify");
  return auth;
}

/** A fake STS answering AssumeRoleWithWebIdentity (query protocol, XML) with numbered temporary credentials. */
export interface FakeSts {
  readonly url: string;
  /** The form fields of every request received. */
  readonly requests: URLSearchParams[];
  /** The credentials of the n-th answer (from 1), as the fake issues them. */
  credentials(n: number): AwsCredentials;
  /** Makes the next answer an STS error with this status and code. */
  failNext(status: number, code: string): void;
  close(): Promise<void>;
}

/** Starts a fake STS whose credentials expire `ttlMs` after they are issued. */
export async function startFakeSts(ttlMs = 3_600_000): Promise<FakeSts> {
  const requests: URLSearchParams[] = [];
  let failure: { status: number; code: string } | undefined;
  const creds = (n: number): AwsCredentials => ({
    accessKeyId: `ASIAFAKE${String(n).padStart(8, "0")}`,
    secretAccessKey: `fake-sts-secret-${n}`,
    sessionToken: `fake-sts-session-token-${n}`,
  });
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      requests.push(new URLSearchParams(body));
      if (failure) {
        const { status, code } = failure;
        failure = undefined;
        const xml = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>rejected</Message></Error><RequestId>r</RequestId></ErrorResponse>`;
        res.writeHead(status, { "content-type": "text/xml" }).end(xml);
        return;
      }
      const c = creds(requests.length);
      const expiration = new Date(Date.now() + ttlMs).toISOString();
      const xml = `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><SessionToken>${c.sessionToken}</SessionToken><SecretAccessKey>${c.secretAccessKey}</SecretAccessKey><Expiration>${expiration}</Expiration><AccessKeyId>${c.accessKeyId}</AccessKeyId></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROAFAKE:s</AssumedRoleId></AssumedRoleUser></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;
      res.writeHead(200, { "content-type": "text/xml" }).end(xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    credentials: creds,
    failNext: (status, code) => {
      failure = { status, code };
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
