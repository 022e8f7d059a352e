import { isRequestTag, MAX_REQUEST_TAGS, REQUEST_TAG_RULE } from "@switchyard/openai";
import { llm } from "@switchyard/proto";
import { GatewayError } from "@switchyard/runtime";

/** The header (REST) and metadata key (gRPC) that carries request tags, comma-separated. */
export const TAGS_HEADER = "x-switchyard-tags";

/**
 * Reads request tags for spend attribution and tag routing: at most 32 comma-separated tags of at most 64
 * characters each from `[A-Za-z0-9_.:=/-]`, deduplicated in order. Anything else is refused, naming the
 * header, rather than dropped: a tag that silently vanished would misattribute spend.
 */
export function parseTags(value: unknown): string[] {
  if (value === undefined || value === "") return [];
  const text = Array.isArray(value) ? value.join(",") : String(value);
  const tags: string[] = [];
  for (const raw of text.split(",")) {
    const tag = raw.trim();
    if (tag === "") continue;
    if (!isRequestTag(tag)) {
      throw new GatewayError({
        class: llm.ErrorClass.INVALID_REQUEST,
        message: `${TAGS_HEADER}: each tag must be ${REQUEST_TAG_RULE}`,
        param: TAGS_HEADER,
      });
    }
    if (!tags.includes(tag)) tags.push(tag);
  }
  if (tags.length > MAX_REQUEST_TAGS) {
    throw new GatewayError({
      class: llm.ErrorClass.INVALID_REQUEST,
      message: `${TAGS_HEADER}: at most ${MAX_REQUEST_TAGS} tags`,
      param: TAGS_HEADER,
    });
  }
  return tags;
}
