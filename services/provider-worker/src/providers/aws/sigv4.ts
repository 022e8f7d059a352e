// AWS Signature Version 4 for the JSON POSTs of Bedrock and SageMaker, signed by the AWS SDK's own signer
// (@smithy/signature-v4 with @smithy/core's SHA-256), never by hand.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html

import { Sha256 } from "@smithy/core/checksum";
import { SignatureV4 } from "@smithy/signature-v4";
import type { ErrorClassifier } from "../errors.js";
import { networkError, redact, type UpstreamPost } from "../http.js";
import type { AttemptContext } from "../types.js";
import type { AwsCredentialSource, AwsCredentials } from "./credentials.js";

/** One request to sign. */
export interface SigningInput {
  readonly url: string;
  /** The exact body text that will be sent. */
  readonly body: string;
  /** Headers to sign besides host and the x-amz-* ones the signer adds. */
  readonly headers: Readonly<Record<string, string>>;
  /** The signing name: `bedrock`, `sagemaker`. */
  readonly service: string;
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** The signing time; default now. */
  readonly date?: Date;
}

/**
 * The headers of a signed POST: the input's, plus `authorization`, `x-amz-date`, `x-amz-content-sha256` and, for
 * temporary credentials, `x-amz-security-token`. `host` is signed but left out: the HTTP client sends the URL's host,
 * which is what was signed.
 */
export async function signRequest(input: SigningInput): Promise<Record<string, string>> {
  const url = new URL(input.url);
  const signer = new SignatureV4({
    service: input.service,
    region: input.region,
    credentials: input.credentials,
    sha256: Sha256,
  });
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { ...input.headers, host: url.host },
      body: input.body,
    },
    input.date ? { signingDate: input.date } : {},
  );
  const { host: _host, ...headers } = signed.headers;
  return headers;
}

/** A signed JSON POST to an AWS service. */
export interface AwsPost {
  readonly url: string;
  readonly service: string;
  readonly region: string;
  readonly body: unknown;
  /** Extra headers to sign and send (SageMaker's inference component). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly classify: ErrorClassifier;
}

/**
 * Resolves the attempt's credentials and signs the POST for http.ts. The body is signed as `JSON.stringify(body)`,
 * the exact text http.ts sends for it (JSON.stringify is deterministic for one value), with the same content type.
 */
export async function signedPost(
  ctx: AttemptContext,
  source: AwsCredentialSource,
  post: AwsPost,
): Promise<UpstreamPost> {
  // An STS call is bounded by its own timeouts; the attempt stops waiting for it when the caller goes away.
  const credentials = await untilAborted(source.resolve(ctx, post.region), ctx.signal).catch((err: unknown) =>
    Promise.reject(networkError(ctx, ctx.signal, err)),
  );
  const headers = await signRequest({
    url: post.url,
    body: JSON.stringify(post.body),
    headers: { ...post.headers, "content-type": "application/json" },
    service: post.service,
    region: post.region,
    credentials,
  });
  // http.ts removes the deployment's own credentials from error text; temporary ones from STS are removed here.
  const classify: ErrorClassifier = (failure) =>
    post.classify({
      ...failure,
      body: redact(redact(failure.body, credentials.secretAccessKey), credentials.sessionToken),
    });
  return { url: post.url, headers, body: post.body, classify };
}

/** `promise`, or the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
