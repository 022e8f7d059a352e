// The tokens an attempt used, read from the worker's answer without decoding it: the router forwards answers as
// bytes, and only the small `charge` field (field 2 of worker.ChatResponse and of worker.StreamChatResponse) is of
// interest, for usage-based routing's `tpm`.
import { fromBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { metering } from "@switchyard/proto";

/** The field number of `charge` in both answers. */
const CHARGE_FIELD = 2;
/** The first byte of a stream message that holds only a charge: field 2, length-delimited. */
const CHARGE_TAG = (CHARGE_FIELD << 3) | WireType.LengthDelimited;

/** Prompt plus completion tokens of the charge in `bytes`, skipping every other field; 0 when there is none. */
export function chargedTokens(bytes: Uint8Array): number {
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field !== CHARGE_FIELD || wireType !== WireType.LengthDelimited) {
        reader.skip(wireType);
        continue;
      }
      const charge = fromBinary(metering.ChargeSchema, reader.bytes());
      return charge.promptTokens + charge.completionTokens;
    }
  } catch {
    // A malformed answer is the ingress's to report; it simply counts no tokens here.
  }
  return 0;
}

/** True when a stream message may carry the charge (it starts with field 2): the cheap test before decoding. */
export function mayHoldCharge(bytes: Uint8Array): boolean {
  return bytes[0] === CHARGE_TAG;
}
