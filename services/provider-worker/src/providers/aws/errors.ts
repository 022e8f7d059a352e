// The parts of AWS error handling Bedrock and SageMaker share: reading the error type (the `x-amzn-ErrorType`
// header, else `__type` or `code` in the body) and the message of an AWS JSON error body, and the types that mean
// the request's signature or credentials were refused.
// https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#operation-error-serialization

import { asObject, asString, type JsonObject, tryParse } from "../json.js";

/** Error types of the AWS request layer meaning the credentials or signature were refused. */
export const AUTH_ERROR_TYPES: ReadonlySet<string> = new Set([
  "AccessDeniedException",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignature",
  "IncompleteSignatureException",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
]);

/** What an AWS error response says. */
export interface AwsError {
  /** The bare type, `ThrottlingException`: without a namespace (`aws#`) or a trailing `:http://...`. */
  readonly type: string;
  readonly message?: string;
  readonly body: JsonObject;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `ValidationException:http://internal.amazon.com/...` or `com.amazon#ValidationException` -> `ValidationException`. */
export function bareType(raw: string): string {
  const noUrl = raw.split(":")[0] ?? "";
  return (noUrl.split("#").at(-1) ?? "").trim();
}

/** Reads the type and message of an AWS error response. */
export function parseAwsError(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  text: string,
): AwsError {
  const body = asObject(tryParse(text)) ?? {};
  const raw =
    first(headers["x-amzn-errortype"]) ?? asString(body.__type) ?? asString(body.code) ?? asString(body.Code) ?? "";
  const message = asString(body.message) ?? asString(body.Message) ?? asString(body.errorMessage);
  return { type: bareType(raw), ...(message ? { message } : {}), body };
}

/** Stream exceptions are named in lowerCamelCase (`throttlingException`); their HTTP twins in UpperCamelCase. */
export function upperFirst(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
