// What the fake AWS services (Bedrock, SageMaker) share: SigV4 checked the way AWS checks it, by recomputing the
// signature of what arrived with the SDK's signer and the secret of the access key it names, AWS's JSON error
// replies with their `x-amzn-ErrorType` header, and the application/vnd.amazon.eventstream framing of streams.

import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@smithy/core/checksum";
import { EventStreamCodec, type MessageHeaders } from "@smithy/core/event-streams";
import { SignatureV4 } from "@smithy/signature-v4";
import type { JsonReply, RecordedRequest } from "./fake-server.js";

/** An access key a fake AWS service accepts. */
export interface FakeAwsKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary credentials' token, required in a signed x-amz-security-token header. */
  readonly sessionToken?: string;
}

/** The key the fake AWS services accept unless told otherwise (AWS's documentation example). */
export const FAKE_AWS_KEY: FakeAwsKey = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

/** An AWS error reply: `{"message": ...}` with the type in `x-amzn-ErrorType`, as AWS's REST-JSON services send it. */
export function awsError(status: number, type: string, message: string): JsonReply {
  return { status, body: { message }, headers: { "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/` } };
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

function amzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

/**
 * Checks a request's SigV4 signature for `service` as AWS does: a known access key, a credential scope naming the
 * service, the signed body hash equal to the body's, and the signature equal to one recomputed from the method, path,
 * query, signed headers and body. Returns AWS's error reply, or undefined when the signature is valid.
 */
export async function checkSigV4(
  req: RecordedRequest,
  service: string,
  keys: readonly FakeAwsKey[],
): Promise<JsonReply | undefined> {
  const header = String(req.headers.authorization ?? "");
  const match = AUTHORIZATION.exec(header);
  if (!match)
    return awsError(403, "IncompleteSignatureException", "Authorization header requires a valid SigV4 signature.");
  const [, keyId, day, region, scopeService, signed, _signature] = match;
  const key = keys.find((k) => k.accessKeyId === keyId);
  const token = req.headers["x-amz-security-token"];
  if (!key || (key.sessionToken !== undefined && token !== key.sessionToken)) {
    return awsError(403, "UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  if (scopeService !== service) {
    return awsError(403, "InvalidSignatureException", `Credential should be scoped to correct service: '${service}'.`);
  }
  const names = signed!.split(";");
  const headers: Record<string, string> = {};
  for (const name of names) headers[name] = String(req.headers[name] ?? "");
  const date = amzDate(headers["x-amz-date"] ?? "");
  const hash = createHash("sha256").update(req.rawBody, "utf8").digest("hex");
  const signedHash = req.headers["x-amz-content-sha256"];
  if (
    !date ||
    !names.includes("host") ||
    headers["x-amz-date"]?.slice(0, 8) !== day ||
    (signedHash !== undefined && signedHash !== hash)
  ) {
    return awsError(
      403,
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided.",
    );
  }
  const host = new URL(`http://${headers.host}`);
  const signer = new SignatureV4({ service, region: region!, credentials: key, sha256: Sha256 });
  const expected = await signer.sign(
    {
      method: req.method,
      protocol: "http:",
      hostname: host.hostname,
      ...(host.port ? { port: Number(host.port) } : {}),
      path: req.path,
      query: Object.fromEntries(new URLSearchParams(req.query)),
      headers,
      body: req.rawBody,
    },
    { signingDate: date },
  );
  if (expected.headers.authorization !== header) {
    return awsError(
      403,
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided.",
    );
  }
  return undefined;
}

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);
const str = (value: string) => ({ type: "string" as const, value });

/** One event-stream message: an event whose payload is JSON (or raw bytes), or an exception. */
export interface AwsStreamMessage {
  readonly event?: string;
  readonly exception?: string;
  readonly payload: unknown;
  /** `payload` is bytes (a Uint8Array) or a string sent as it is: SageMaker's PayloadPart bytes. */
  readonly raw?: boolean;
}

/** Encodes one message in the AWS event-stream framing, checksums included. */
export function eventMessage(message: AwsStreamMessage): Uint8Array {
  const headers: MessageHeaders = message.exception
    ? { ":message-type": str("exception"), ":exception-type": str(message.exception) }
    : { ":message-type": str("event"), ":event-type": str(message.event ?? "") };
  headers[":content-type"] = str(message.raw ? "application/octet-stream" : "application/json");
  const { payload } = message;
  const body =
    payload instanceof Uint8Array
      ? payload
      : new TextEncoder().encode(message.raw ? String(payload) : JSON.stringify(payload));
  return codec.encode({ headers, body });
}

/** A fake STS: AssumeRoleWithWebIdentity in the query protocol, answering with one fixed temporary key. */
export interface FakeSts {
  readonly url: string;
  /** The temporary key it issues; give it to the fake service as an accepted key. */
  readonly key: FakeAwsKey;
  /** The form fields of every request received. */
  readonly requests: URLSearchParams[];
  close(): Promise<void>;
}

/** Starts a fake STS (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html). */
export async function startFakeSts(): Promise<FakeSts> {
  const key: FakeAwsKey = {
    accessKeyId: "ASIAFAKESTS000000001",
    secretAccessKey: "fake/sts/temporary/secret/key/0000000001",
    sessionToken: "fake-sts-session-token-0000000001",
  };
  const requests: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      const form = new URLSearchParams(body);
      requests.push(form);
      if (form.get("Action") !== "AssumeRoleWithWebIdentity" || !form.get("WebIdentityToken")) {
        res
          .writeHead(400, { "content-type": "text/xml" })
          .end(
            "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>bad request</Message></Error></ErrorResponse>",
          );
        return;
      }
      const expiration = new Date(Date.now() + 3_600_000).toISOString();
      res
        .writeHead(200, { "content-type": "text/xml" })
        .end(
          `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><SessionToken>${key.sessionToken}</SessionToken><SecretAccessKey>${key.secretAccessKey}</SecretAccessKey><Expiration>${expiration}</Expiration><AccessKeyId>${key.accessKeyId}</AccessKeyId></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/fake/session</Arn><AssumedRoleId>AROAFAKE:session</AssumedRoleId></AssumedRoleUser></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    key,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
