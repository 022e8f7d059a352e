// Every value that reaches ClickHouse SQL goes through this module. Debian's ClickHouse 18.16 has no server-side
// query parameters, so values are spliced in as literals. The `sql` tag accepts only `Sql` fragments, which only
// the functions below make, so a raw string cannot be spliced by accident: a value is either escaped here or the
// code does not compile.

const BRAND: unique symbol = Symbol("sql");
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
/** ClickHouse's Date type ends on this day. */
const LAST_DATE = "2105-12-31";

/** A piece of SQL text that is safe to splice: written by this service or escaped by this module. */
export interface Sql {
  readonly [BRAND]: true;
  readonly text: string;
}

function fragment(text: string): Sql {
  return { [BRAND]: true, text };
}

/** Builds SQL from a template whose interpolations are all `Sql` fragments. */
export function sql(strings: TemplateStringsArray, ...values: readonly Sql[]): Sql {
  let text = strings[0] ?? "";
  values.forEach((value, i) => {
    if (value?.[BRAND] !== true) throw new TypeError("expected an Sql fragment: escape values with str(), uint(), ...");
    text += value.text + (strings[i + 1] ?? "");
  });
  return fragment(text);
}

/** True unless `value` has an unpaired surrogate, the one thing a JS string can hold that UTF-8 cannot. */
export function wellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/**
 * A string literal that reads back as exactly `value`. Only printable ASCII other than `\` and `'` is copied; every
 * other UTF-8 byte (quotes, backslashes, control characters, NUL, anything non-ASCII) becomes a `\xHH` escape, so the
 * SQL text is plain ASCII whatever the input. Strings with unpaired surrogates (which have no UTF-8 form) are refused.
 */
export function str(value: string): Sql {
  if (typeof value !== "string") throw new TypeError("expected a string");
  if (!wellFormed(value)) throw new RangeError("expected a string without unpaired surrogates");
  let out = "'";
  for (const byte of Buffer.from(value, "utf8")) {
    const printable = byte >= 0x20 && byte <= 0x7e && byte !== 0x5c && byte !== 0x27;
    out += printable ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return fragment(`${out}'`);
}

function integer(value: number | bigint, min: bigint, max: bigint, type: string): Sql {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new RangeError(`expected a safe integer for ${type}, got ${value}`);
  }
  if (typeof value !== "number" && typeof value !== "bigint") throw new TypeError(`expected an integer for ${type}`);
  const big = BigInt(value);
  if (big < min || big > max) throw new RangeError(`expected ${type} in [${min}, ${max}], got ${big}`);
  return fragment(big.toString());
}

/** An unsigned 64-bit integer literal. */
export function uint(value: number | bigint): Sql {
  return integer(value, 0n, U64_MAX, "UInt64");
}

/** A signed 64-bit integer literal. */
export function int(value: number | bigint): Sql {
  return integer(value, I64_MIN, I64_MAX, "Int64");
}

/** A Date literal for a real YYYY-MM-DD day within ClickHouse's Date range (1970-01-01 to 2105-12-31). */
export function date(day: string): Sql {
  const m = typeof day === "string" ? DAY.exec(day) : null;
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  const real = m !== null && !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === day;
  if (!real || ms < 0 || day > LAST_DATE) throw new RangeError(`expected a day from 1970-01-01 to ${LAST_DATE}`);
  return fragment(`toDate('${day}')`);
}

/** A quoted identifier; only `[A-Za-z_][A-Za-z0-9_]*` names (at most 63 characters) are accepted. */
export function ident(name: string): Sql {
  if (typeof name !== "string" || !IDENTIFIER.test(name)) {
    throw new RangeError(`expected an identifier matching ${IDENTIFIER.source}`);
  }
  return fragment(`\`${name}\``);
}

/** `a, b, c`; throws on an empty list, which would not be valid SQL in `IN (...)`. */
export function list(items: readonly Sql[]): Sql {
  if (items.length === 0) throw new RangeError("expected a non-empty list");
  return join(items, sql`, `);
}

/** The fragments joined by `separator`. */
export function join(items: readonly Sql[], separator: Sql): Sql {
  return fragment(items.map((item) => sql`${item}`.text).join(separator.text));
}

/** The conditions joined with AND, or `1` (true) when there are none. */
export function and(conditions: readonly Sql[]): Sql {
  return conditions.length === 0
    ? sql`1`
    : join(
        conditions.map((c) => sql`(${c})`),
        sql` AND `,
      );
}

/** The conditions joined with OR, or `0` (false) when there are none. */
export function or(conditions: readonly Sql[]): Sql {
  return conditions.length === 0
    ? sql`0`
    : join(
        conditions.map((c) => sql`(${c})`),
        sql` OR `,
      );
}
