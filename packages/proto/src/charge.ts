// The charge of an answer, read from its bytes without decoding the rest. Answers cross the router and the ingress
// as bytes; only the small `charge` field is of interest on the way: the router's usage-based routing counts its
// tokens and the ingress settles the request's budget admission with it. Field 2 is `charge` in every answer that
// carries one (worker.ChatResponse, worker.StreamChatResponse, the router's and the gateway's responses, and the
// other operations' responses), which proto/ keeps so on purpose.
import { create, fromBinary, mergeFromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { type Charge, ChargeSchema } from "./gen/switchyard/metering/v1/usage_pb.js";

/** The field number of `charge` in every answer. */
const CHARGE_FIELD = 2;
/** The first byte of a stream message that holds only a charge: field 2, length-delimited. */
const CHARGE_TAG = (CHARGE_FIELD << 3) | WireType.LengthDelimited;

/**
 * The charge in an encoded answer, skipping every other field; undefined when it has none or is malformed. Every
 * occurrence of the field is merged, as protobuf parsers do: the router appends what failed attempts were charged
 * (`withFailedAttempts`) as a second one.
 */
export function readCharge(bytes: Uint8Array): Charge | undefined {
  let charge: Charge | undefined;
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field === CHARGE_FIELD && wireType === WireType.LengthDelimited) {
        const part = reader.bytes();
        charge = charge ? mergeFromBinary(ChargeSchema, charge, part) : fromBinary(ChargeSchema, part);
      } else {
        reader.skip(wireType, field);
      }
    }
  } catch {
    // A malformed answer is reported by whoever decodes it; it simply has no charge here.
    return undefined;
  }
  return charge;
}

/** What failed attempts of one request were charged together. */
export interface FailedAttemptsCharge {
  readonly costNanos: bigint;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/**
 * An encoded answer (or a stream's charge message) with what the failed attempts before it were charged: the fields
 * `failed_attempts_*` of its `charge`, appended as a second occurrence of the field that parsers merge into the first.
 * The rest of the answer is not decoded or re-encoded.
 */
export function withFailedAttempts(bytes: Uint8Array, failed: FailedAttemptsCharge): Uint8Array {
  const extra = toBinary(
    ChargeSchema,
    create(ChargeSchema, {
      failedAttemptsCostNanos: failed.costNanos,
      failedAttemptsPromptTokens: failed.promptTokens,
      failedAttemptsCompletionTokens: failed.completionTokens,
    }),
  );
  const field = new BinaryWriter().tag(CHARGE_FIELD, WireType.LengthDelimited).bytes(extra).finish();
  const out = new Uint8Array(bytes.byteLength + field.byteLength);
  out.set(bytes, 0);
  out.set(field, bytes.byteLength);
  return out;
}

/** True when a stream message may carry the charge (it starts with field 2): the cheap test before reading it. */
export function mayHoldCharge(bytes: Uint8Array): boolean {
  return bytes[0] === CHARGE_TAG;
}
