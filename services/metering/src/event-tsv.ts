// Usage events from their protobuf bytes straight to usage_events TabSeparated lines (escaping as in tsv.ts), without
// a message object, a row object and a string per field on the way. On the 2-vCPU test machine the general path
// (fromBinary, toRow, toTsv) cost about 27 µs per realistic event (UUID ids, tags, metadata), most of the service's
// CPU per event; this one about 4 µs.
//
// rows.ts `toRow` stays the reference mapping: event-tsv.spec.ts checks that both give the same bytes, field by field
// and for hostile strings (escapes, invalid UTF-8, multi-byte text), duplicate and merged fields and unknown fields.
// The field tables are built from the generated descriptors when the module loads, and loading fails when UsageEvent,
// Caller, Route or Tokens has a field this file does not place (or places with another type), so a change to the
// contract cannot be dropped silently.
//
// Decoding follows protobuf-es: the last value of a repeated singular field wins, nested messages given twice merge,
// unknown fields are skipped, and a string that is not valid UTF-8 is refused (proto3 strings are validated). It is
// stricter on other broken input: a known field with the wrong wire type, or a nested message that overruns its
// length, is refused like any undecodable message.

import { isUtf8 } from "node:buffer";
import { type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { metering } from "@switchyard/proto";
import { dayOf, EVENT_COLUMNS, minuteOf } from "./rows.js";

// Scratch slots one event is decoded into (reused from event to event).
enum Str {
  EventId,
  RequestId,
  KeyId,
  KeyAlias,
  TeamId,
  UserId,
  EndUser,
  RequestedModel,
  ModelGroup,
  DeploymentId,
  Provider,
  UpstreamModel,
  PriceVersion,
  Operation,
  Instance,
  Count,
}

enum Num {
  Attempt,
  FallbackDepth,
  Prompt,
  Completion,
  CacheRead,
  CacheWrite,
  Reasoning,
  PromptAudio,
  CompletionAudio,
  Images,
  Estimated,
  AudioMillis,
  Queries,
  LatencyMs,
  TtftMs,
  Stream,
  Status,
  ErrorClass,
  HttpStatus,
  CacheHit,
  Count,
}

enum Big {
  StartedAtMs,
  EndedAtMs,
  CostNanos,
  Count,
}

/** How one field is read, and which slot it fills. */
export type Reader =
  | { readonly kind: "string"; readonly slot: Str }
  | { readonly kind: "uint32" | "int32" | "bool"; readonly slot: Num }
  | { readonly kind: "int64" | "uint64"; readonly slot: Big }
  | { readonly kind: "message"; readonly fields: Table }
  | { readonly kind: "tags" }
  | { readonly kind: "metadata" };

/** Readers by field number. */
export type Table = readonly (Reader | undefined)[];

const str = (slot: Str): Reader => ({ kind: "string", slot });
const u32 = (slot: Num): Reader => ({ kind: "uint32", slot });
const enm = (slot: Num): Reader => ({ kind: "int32", slot });
const bool = (slot: Num): Reader => ({ kind: "bool", slot });

/** What the descriptor must say about a field read by `reader` (the generated code is the contract). */
function expectedShape(reader: Reader): string {
  switch (reader.kind) {
    case "string":
      return `scalar ${ScalarType.STRING}`;
    case "uint32":
      return `scalar ${ScalarType.UINT32}`;
    case "bool":
      return `scalar ${ScalarType.BOOL}`;
    case "int64":
      return `scalar ${ScalarType.INT64}`;
    case "uint64":
      return `scalar ${ScalarType.UINT64}`;
    case "int32":
      return "enum";
    case "message":
      return "message";
    case "tags":
      return `list scalar ${ScalarType.STRING}`;
    case "metadata":
      return `map ${ScalarType.STRING} scalar ${ScalarType.STRING}`;
  }
}

function shapeOf(field: DescMessage["fields"][number]): string {
  switch (field.fieldKind) {
    case "scalar":
      return `scalar ${field.scalar}`;
    case "enum":
      return "enum";
    case "message":
      return "message";
    case "list":
      return field.listKind === "scalar" ? `list scalar ${field.scalar}` : `list ${field.listKind}`;
    case "map":
      return field.mapKind === "scalar"
        ? `map ${field.mapKey} scalar ${field.scalar}`
        : `map ${field.mapKey} ${field.mapKind}`;
  }
}

/** The readers of `schema`'s fields by number; throws when a field has no reader (or another type), or a reader no field. */
export function readerTable(schema: DescMessage, readers: Readonly<Record<string, Reader>>): Table {
  const out: (Reader | undefined)[] = [];
  for (const field of schema.fields) {
    const reader = readers[field.name];
    if (reader === undefined) throw new Error(`event-tsv: ${schema.typeName}.${field.name} has no column reader`);
    if ("utf8Validation" in field && field.utf8Validation === false) {
      throw new Error(
        `event-tsv: ${schema.typeName}.${field.name} skips UTF-8 validation, which this file always does`,
      );
    }
    if (shapeOf(field) !== expectedShape(reader)) {
      throw new Error(`event-tsv: ${schema.typeName}.${field.name} is ${shapeOf(field)}, read as ${reader.kind}`);
    }
    out[field.number] = reader;
  }
  for (const name of Object.keys(readers)) {
    if (!schema.fields.some((f) => f.name === name)) throw new Error(`event-tsv: ${schema.typeName} has no ${name}`);
  }
  return out;
}

const CALLER = readerTable(metering.CallerSchema, {
  key_id: str(Str.KeyId),
  key_alias: str(Str.KeyAlias),
  team_id: str(Str.TeamId),
  user_id: str(Str.UserId),
  end_user: str(Str.EndUser),
  tags: { kind: "tags" },
  metadata: { kind: "metadata" },
});

const ROUTE = readerTable(metering.RouteSchema, {
  requested_model: str(Str.RequestedModel),
  model_group: str(Str.ModelGroup),
  deployment_id: str(Str.DeploymentId),
  provider: str(Str.Provider),
  upstream_model: str(Str.UpstreamModel),
  fallback_depth: u32(Num.FallbackDepth),
});

const TOKENS = readerTable(metering.TokensSchema, {
  prompt: u32(Num.Prompt),
  completion: u32(Num.Completion),
  cache_read: u32(Num.CacheRead),
  cache_write: u32(Num.CacheWrite),
  reasoning: u32(Num.Reasoning),
  prompt_audio: u32(Num.PromptAudio),
  completion_audio: u32(Num.CompletionAudio),
  images: u32(Num.Images),
  estimated: bool(Num.Estimated),
  audio_millis: u32(Num.AudioMillis),
  queries: u32(Num.Queries),
});

const EVENT = readerTable(metering.UsageEventSchema, {
  event_id: str(Str.EventId),
  request_id: str(Str.RequestId),
  attempt: u32(Num.Attempt),
  started_at_ms: { kind: "int64", slot: Big.StartedAtMs },
  ended_at_ms: { kind: "int64", slot: Big.EndedAtMs },
  caller: { kind: "message", fields: CALLER },
  route: { kind: "message", fields: ROUTE },
  tokens: { kind: "message", fields: TOKENS },
  cost_nanos: { kind: "uint64", slot: Big.CostNanos },
  price_version: str(Str.PriceVersion),
  latency_ms: u32(Num.LatencyMs),
  ttft_ms: u32(Num.TtftMs),
  stream: bool(Num.Stream),
  status: enm(Num.Status),
  error_class: enm(Num.ErrorClass),
  http_status: u32(Num.HttpStatus),
  cache_hit: bool(Num.CacheHit),
  operation: str(Str.Operation),
  instance: str(Str.Instance),
});

/** How one column is written. */
type Column =
  | { readonly kind: "string"; readonly slot: Str }
  | { readonly kind: "number"; readonly slot: Num }
  | { readonly kind: "bigint"; readonly slot: Big }
  | { readonly kind: "id" | "day" | "minute" | "tags" | "metadata_keys" | "metadata_values" };

/** The usage_events columns in the order of rows.ts EVENT_COLUMNS, which the insert names. */
const COLUMNS: readonly (readonly [string, Column])[] = [
  ["event_id", { kind: "id" }],
  ["request_id", { kind: "string", slot: Str.RequestId }],
  ["attempt", { kind: "number", slot: Num.Attempt }],
  ["started_at_ms", { kind: "bigint", slot: Big.StartedAtMs }],
  ["ended_at_ms", { kind: "bigint", slot: Big.EndedAtMs }],
  ["day", { kind: "day" }],
  ["minute", { kind: "minute" }],
  ["key_id", { kind: "string", slot: Str.KeyId }],
  ["key_alias", { kind: "string", slot: Str.KeyAlias }],
  ["team_id", { kind: "string", slot: Str.TeamId }],
  ["user_id", { kind: "string", slot: Str.UserId }],
  ["end_user", { kind: "string", slot: Str.EndUser }],
  ["tags", { kind: "tags" }],
  ["metadata_keys", { kind: "metadata_keys" }],
  ["metadata_values", { kind: "metadata_values" }],
  ["requested_model", { kind: "string", slot: Str.RequestedModel }],
  ["model_group", { kind: "string", slot: Str.ModelGroup }],
  ["deployment_id", { kind: "string", slot: Str.DeploymentId }],
  ["provider", { kind: "string", slot: Str.Provider }],
  ["upstream_model", { kind: "string", slot: Str.UpstreamModel }],
  ["fallback_depth", { kind: "number", slot: Num.FallbackDepth }],
  ["prompt_tokens", { kind: "number", slot: Num.Prompt }],
  ["completion_tokens", { kind: "number", slot: Num.Completion }],
  ["cache_read_tokens", { kind: "number", slot: Num.CacheRead }],
  ["cache_write_tokens", { kind: "number", slot: Num.CacheWrite }],
  ["reasoning_tokens", { kind: "number", slot: Num.Reasoning }],
  ["prompt_audio_tokens", { kind: "number", slot: Num.PromptAudio }],
  ["completion_audio_tokens", { kind: "number", slot: Num.CompletionAudio }],
  ["image_tokens", { kind: "number", slot: Num.Images }],
  ["tokens_estimated", { kind: "number", slot: Num.Estimated }],
  ["audio_millis", { kind: "number", slot: Num.AudioMillis }],
  ["queries", { kind: "number", slot: Num.Queries }],
  ["cost_nanos", { kind: "bigint", slot: Big.CostNanos }],
  ["price_version", { kind: "string", slot: Str.PriceVersion }],
  ["latency_ms", { kind: "number", slot: Num.LatencyMs }],
  ["ttft_ms", { kind: "number", slot: Num.TtftMs }],
  ["stream", { kind: "number", slot: Num.Stream }],
  ["status", { kind: "number", slot: Num.Status }],
  ["error_class", { kind: "number", slot: Num.ErrorClass }],
  ["http_status", { kind: "number", slot: Num.HttpStatus }],
  ["cache_hit", { kind: "number", slot: Num.CacheHit }],
  ["operation", { kind: "string", slot: Str.Operation }],
  ["instance", { kind: "string", slot: Str.Instance }],
];
if (COLUMNS.map(([name]) => name).join() !== EVENT_COLUMNS.join()) {
  throw new Error("event-tsv: the columns differ from rows.ts EVENT_COLUMNS");
}

/** The columns every line holds, in order (rows.ts EVENT_COLUMNS). */
export const TSV_COLUMNS: readonly string[] = EVENT_COLUMNS;

/** The escape letter of each byte that needs one (tsv.ts), else 0. */
const ESCAPE = new Uint8Array(256);
ESCAPE[0x5c] = 0x5c; // \ -> \\
ESCAPE[0x09] = 0x74; // tab -> \t
ESCAPE[0x0a] = 0x6e; // LF -> \n
ESCAPE[0x0d] = 0x72; // CR -> \r
ESCAPE[0x00] = 0x30; // NUL -> \0
ESCAPE[0x27] = 0x27; // ' -> \'

const TAB = 0x09;
const NEWLINE = 0x0a;
const QUOTE = 0x27;
/** Protobuf-es's decoder for proto3 strings: invalid UTF-8 is an error, and a leading U+FEFF is text. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A field's tag, checked as protobuf-es checks it (without the tuple `BinaryReader.tag` allocates). */
function readTag(reader: BinaryReader): number {
  const start = reader.pos;
  const tag = reader.uint32();
  const no = tag >>> 3;
  const wireType = tag & 7;
  if (reader.pos - start > 5 || no === 0 || wireType > WireType.Bit32) {
    throw new Error(`illegal tag: field no ${no} wire type ${wireType}`);
  }
  return tag;
}

const NO_ENTRIES: number[] = [];
/** Most metadata entries sorted by insertion; a larger map is sorted by decoded key. */
const SMALL_MAP = 16;
const ONE_ENTRY: number[] = [0];

/** Where one event's line went, and what the batch needs of it. */
export interface EventLine {
  /** The stored event id: the event's own, or the fallback when it has none. */
  readonly id: string;
  readonly minute: number;
  readonly day: string;
}

/** An append-only TabSeparated body of usage_events lines. */
export class EventTsvWriter {
  private buf: Buffer;
  private pos = 0;
  private lineStart = 0;
  // The event being decoded: string fields as byte ranges of `src`, numbers, 64-bit values.
  private src: Uint8Array = new Uint8Array(0);
  private readonly starts = new Int32Array(Str.Count);
  private readonly ends = new Int32Array(Str.Count);
  private readonly nums = new Float64Array(Num.Count);
  private readonly bigs: bigint[] = new Array<bigint>(Big.Count).fill(0n);
  /** Tags as start/end pairs. */
  private readonly tags: number[] = [];
  /** Metadata entries as key start/end, value start/end. */
  private readonly metadata: number[] = [];

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, 1024));
  }

  /**
   * Appends the line of one encoded UsageEvent; `fallbackId` names an event without an id (called only then). Throws
   * when the bytes are not a UsageEvent, and then nothing is written.
   */
  append(bytes: Uint8Array, fallbackId: () => string): EventLine {
    this.lineStart = this.pos;
    this.decode(bytes);
    const idStart = this.starts[Str.EventId] as number;
    const idEnd = this.ends[Str.EventId] as number;
    const id = idEnd > idStart ? utf8.decode(bytes.subarray(idStart, idEnd)) : fallbackId();
    const startedAt = this.bigs[Big.StartedAtMs] as bigint;
    const line = { id, minute: minuteOf(startedAt), day: dayOf(startedAt) };
    try {
      this.writeLine(line);
    } catch (err) {
      this.pos = this.lineStart;
      throw err;
    }
    return line;
  }

  /** Takes back the line appended last (an event id already in the body). */
  dropLast(): void {
    this.pos = this.lineStart;
  }

  /** The body so far (a view: appending more may overwrite what follows it, never what it holds). */
  body(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private decode(bytes: Uint8Array): void {
    this.src = bytes;
    this.starts.fill(0);
    this.ends.fill(0);
    this.nums.fill(0);
    this.bigs.fill(0n);
    this.tags.length = 0;
    this.metadata.length = 0;
    const reader = new BinaryReader(bytes);
    this.fields(reader, bytes.length, EVENT);
  }

  /** Reads fields until `end`, the end of the message they belong to. */
  private fields(reader: BinaryReader, end: number, fields: Table): void {
    while (reader.pos < end) {
      const tag = readTag(reader);
      const no = tag >>> 3;
      const wireType = tag & 7;
      const field = fields[no];
      if (field === undefined) {
        reader.skip(wireType, no);
        if (reader.pos > end) throw new RangeError("premature end of a nested message");
        continue;
      }
      const want =
        field.kind === "message" || field.kind === "string" || field.kind === "tags" || field.kind === "metadata"
          ? WireType.LengthDelimited
          : WireType.Varint;
      if (wireType !== want) throw new Error(`field ${no}: expected wire type ${want}, got ${wireType}`);
      switch (field.kind) {
        case "string": {
          const start = this.lengthDelimited(reader, end);
          this.starts[field.slot] = start;
          this.ends[field.slot] = reader.pos;
          break;
        }
        case "uint32":
          this.nums[field.slot] = reader.uint32();
          break;
        case "int32":
          this.nums[field.slot] = reader.int32();
          break;
        case "bool":
          this.nums[field.slot] = reader.bool() ? 1 : 0;
          break;
        case "int64":
          this.bigs[field.slot] = BigInt(reader.int64());
          break;
        case "uint64":
          this.bigs[field.slot] = BigInt(reader.uint64());
          break;
        case "message": {
          const stop = this.enter(reader, end);
          this.fields(reader, stop, field.fields);
          if (reader.pos !== stop) throw new RangeError("a nested message overruns its length");
          break;
        }
        case "tags": {
          const start = this.lengthDelimited(reader, end);
          this.tags.push(start, reader.pos);
          break;
        }
        case "metadata": {
          const stop = this.enter(reader, end);
          this.entry(reader, stop);
          break;
        }
      }
      if (reader.pos > end) throw new RangeError("premature end of a message");
    }
  }

  /** Skips over a length-delimited value and returns where it starts (`reader.pos` is its end). */
  private lengthDelimited(reader: BinaryReader, end: number): number {
    const length = reader.uint32();
    const start = reader.pos;
    if (length > end - start) throw new RangeError("premature end of a length-delimited field");
    reader.pos = start + length;
    return start;
  }

  /** Moves into a length-delimited nested message and returns where it ends. */
  private enter(reader: BinaryReader, end: number): number {
    const start = this.lengthDelimited(reader, end);
    const stop = reader.pos;
    reader.pos = start;
    return stop;
  }

  /** Reads one map entry (key 1, value 2, both strings) that ends at `end`. */
  private entry(reader: BinaryReader, end: number): void {
    let keyStart = 0;
    let keyEnd = 0;
    let valueStart = 0;
    let valueEnd = 0;
    while (reader.pos < end) {
      const tag = readTag(reader);
      const no = tag >>> 3;
      const wireType = tag & 7;
      if ((no === 1 || no === 2) && wireType === WireType.LengthDelimited) {
        const start = this.lengthDelimited(reader, end);
        if (no === 1) {
          keyStart = start;
          keyEnd = reader.pos;
        } else {
          valueStart = start;
          valueEnd = reader.pos;
        }
      } else if (no === 1 || no === 2) {
        throw new Error(`map entry field ${no}: expected wire type ${WireType.LengthDelimited}, got ${wireType}`);
      } else {
        reader.skip(wireType, no);
      }
      if (reader.pos > end) throw new RangeError("premature end of a map entry");
    }
    this.metadata.push(keyStart, keyEnd, valueStart, valueEnd);
  }

  private writeLine(line: EventLine): void {
    let order: number[] | undefined;
    for (let i = 0; i < COLUMNS.length; i++) {
      if (i > 0) this.byte(TAB);
      const column = (COLUMNS[i] as readonly [string, Column])[1];
      switch (column.kind) {
        case "id":
          if (this.ends[Str.EventId] === this.starts[Str.EventId]) this.string(line.id);
          else this.bytes(this.src, this.starts[Str.EventId] as number, this.ends[Str.EventId] as number);
          break;
        case "string":
          this.bytes(this.src, this.starts[column.slot] as number, this.ends[column.slot] as number);
          break;
        case "number":
          this.integer(this.nums[column.slot] as number);
          break;
        case "bigint":
          this.ascii((this.bigs[column.slot] as bigint).toString());
          break;
        case "day":
          this.ascii(line.day);
          break;
        case "minute":
          this.integer(line.minute);
          break;
        case "tags":
          this.byte(0x5b);
          for (let t = 0; t < this.tags.length; t += 2) {
            this.element(this.tags, t, t === 0);
          }
          this.byte(0x5d);
          break;
        case "metadata_keys":
          order = this.metadataOrder();
          this.metadataArray(order, 0);
          break;
        case "metadata_values":
          this.metadataArray(order ?? this.metadataOrder(), 2);
          break;
      }
    }
    this.byte(NEWLINE);
  }

  /**
   * The metadata entries to store, as offsets into `metadata`: sorted by key (as JavaScript compares strings, like
   * toRow), the last entry of a repeated key winning.
   */
  private metadataOrder(): number[] {
    const m = this.metadata;
    if (m.length === 0) return NO_ENTRIES;
    if (m.length === 4) return ONE_ENTRY;
    if (m.length > 4 * SMALL_MAP || !this.asciiKeys()) {
      const last = new Map<string, number>();
      for (let e = 0; e < m.length; e += 4) {
        last.set(utf8.decode(this.src.subarray(m[e] as number, m[e + 1] as number)), e);
      }
      return [...last].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
    }
    // A few ASCII keys (the usual case): byte order is string order, so sort them in place without decoding.
    const order: number[] = [];
    entries: for (let e = 0; e < m.length; e += 4) {
      for (let j = 0; j < order.length; j++) {
        if (this.compareKeys(order[j] as number, e) === 0) {
          order[j] = e;
          continue entries;
        }
      }
      let k = order.length;
      order.push(e);
      while (k > 0 && this.compareKeys(order[k - 1] as number, e) > 0) {
        order[k] = order[k - 1] as number;
        k--;
      }
      order[k] = e;
    }
    return order;
  }

  /** True when every metadata key is ASCII. */
  private asciiKeys(): boolean {
    const m = this.metadata;
    for (let e = 0; e < m.length; e += 4) {
      for (let i = m[e] as number; i < (m[e + 1] as number); i++) if ((this.src[i] as number) > 0x7f) return false;
    }
    return true;
  }

  /** Compares the keys of two metadata entries byte by byte. */
  private compareKeys(a: number, b: number): number {
    const src = this.src;
    const m = this.metadata;
    const aEnd = m[a + 1] as number;
    const bEnd = m[b + 1] as number;
    for (let i = m[a] as number, j = m[b] as number; i < aEnd && j < bEnd; i++, j++) {
      const d = (src[i] as number) - (src[j] as number);
      if (d !== 0) return d;
    }
    return aEnd - (m[a] as number) - (bEnd - (m[b] as number));
  }

  /** The metadata keys (`part` 0) or values (`part` 2) of the entries in `order`, as an array. */
  private metadataArray(order: readonly number[], part: 0 | 2): void {
    this.byte(0x5b);
    for (let i = 0; i < order.length; i++) {
      this.element(this.metadata, (order[i] as number) + part, i === 0);
    }
    this.byte(0x5d);
  }

  /** One array element: the quoted string whose byte range in `src` starts at `ranges[at]`, after a comma unless first. */
  private element(ranges: readonly number[], at: number, first: boolean): void {
    if (!first) this.byte(0x2c);
    this.byte(QUOTE);
    this.bytes(this.src, ranges[at] as number, ranges[at + 1] as number);
    this.byte(QUOTE);
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** A string known to be ASCII without escapes (digits, dates). */
  private ascii(s: string): void {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  /** A non-negative or negative integer within the safe range, in decimal. */
  private integer(n: number): void {
    if (n < 0) {
      this.byte(0x2d);
      n = -n;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    this.ensure(digits);
    let p = this.pos + digits;
    this.pos = p;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      this.buf[--p] = 48 + (n - q * 10);
      n = q;
    }
    this.buf[--p] = 48 + n;
  }

  /** Any string (the fallback id, or a decoded metadata key or value), as UTF-8, escaped. */
  private string(s: string): void {
    const encoded = Buffer.from(s, "utf8");
    this.bytes(encoded, 0, encoded.length);
  }

  /**
   * Protobuf string bytes, escaped. Valid UTF-8 is copied as it is (multi-byte sequences never hold an ASCII byte, so
   * escaping byte by byte is safe); anything else is refused.
   */
  private bytes(src: Uint8Array, start: number, end: number): void {
    this.ensure((end - start) * 2);
    const out = this.buf;
    let p = this.pos;
    let high = 0;
    for (let i = start; i < end; i++) {
      const b = src[i] as number;
      high |= b;
      const letter = ESCAPE[b] as number;
      if (letter === 0) {
        out[p++] = b;
      } else {
        out[p++] = 0x5c;
        out[p++] = letter;
      }
    }
    if (high & 0x80 && !isUtf8(src.subarray(start, end))) throw new Error("invalid UTF-8 in a string field");
    this.pos = p;
  }
}
