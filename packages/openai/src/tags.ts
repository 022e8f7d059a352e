// Request tags (spend attribution, tag routing): one rule wherever a tag enters the gateway, whether from
// LiteLLM's `metadata.tags` list, the `x-switchyard-tags` header or a gRPC request's `tags`.

/** Most tags one request may carry. */
export const MAX_REQUEST_TAGS = 32;
/** What a tag may be, in words, for error messages. */
export const REQUEST_TAG_RULE = "1-64 characters of letters, digits and _.:=/-";
const TAG = /^[\w.:=/-]{1,64}$/;

/** True when `tag` is a valid request tag. */
export function isRequestTag(tag: unknown): tag is string {
  return typeof tag === "string" && TAG.test(tag);
}
