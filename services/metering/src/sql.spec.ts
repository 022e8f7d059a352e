import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { and, date, ident, int, list, or, type Sql, sql, str, uint } from "./sql.js";
import { HOSTILE } from "./testkit.js";

describe("str", () => {
  it("emits plain ASCII with every quote, backslash and non-printable byte escaped", () => {
    for (const value of HOSTILE) {
      const text = str(value).text;
      assert.match(text, /^'[\x20-\x7e]*'$/);
      const inner = text.slice(1, -1);
      assert.doesNotMatch(inner.replace(/\\x[0-9a-f]{2}/g, ""), /['\\]/, "only escapes contain ' or \\");
      // Decoding the escapes gives back the UTF-8 bytes of the value.
      const bytes = Buffer.from(
        inner.replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
        "latin1",
      );
      assert.equal(bytes.toString("utf8"), value);
    }
  });

  it("escapes exactly as documented", () => {
    assert.equal(str("it's").text, "'it\\x27s'");
    assert.equal(str("a\\b").text, "'a\\x5cb'");
    assert.equal(str("\u0000\n").text, "'\\x00\\x0a'");
    assert.equal(str("é").text, "'\\xc3\\xa9'");
    assert.equal(str("plain id-09_x").text, "'plain id-09_x'");
  });

  it("refuses unpaired surrogates and non-strings", () => {
    assert.throws(() => str("a\ud800"), /surrogates/);
    assert.throws(() => str("\udc00b"), /surrogates/);
    assert.throws(() => str(42 as unknown as string), /expected a string/);
    assert.equal(str("\ud83d\ude00").text, "'\\xf0\\x9f\\x98\\x80'");
  });
});

describe("numbers, days and identifiers", () => {
  it("accepts integers within range only", () => {
    assert.equal(uint(0).text, "0");
    assert.equal(uint(18_446_744_073_709_551_615n).text, "18446744073709551615");
    assert.equal(int(-9_223_372_036_854_775_808n).text, "-9223372036854775808");
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 18_446_744_073_709_551_616n]) {
      assert.throws(() => uint(bad), RangeError, String(bad));
    }
    assert.throws(() => int(9_223_372_036_854_775_808n), RangeError);
    assert.throws(() => uint("1" as unknown as number), TypeError);
    assert.throws(() => uint("1 OR 1=1" as unknown as number), TypeError);
  });

  it("accepts real days within ClickHouse's Date range only", () => {
    assert.equal(date("2024-02-29").text, "toDate('2024-02-29')");
    for (const bad of ["2023-02-29", "2024-13-01", "1969-12-31", "2106-01-01", "2024-1-1", "2024-01-01' OR 1"]) {
      assert.throws(() => date(bad), RangeError, bad);
    }
  });

  it("quotes whitelisted identifiers and refuses everything else", () => {
    assert.equal(ident("usage_events").text, "`usage_events`");
    for (const bad of ["", "1abc", "a-b", "a`b", "a b", "db.table", "x".repeat(64), "é"]) {
      assert.throws(() => ident(bad), RangeError, bad);
    }
  });
});

describe("sql", () => {
  it("splices only fragments", () => {
    const q = sql`SELECT ${uint(1)} WHERE ${and([sql`a = ${str("x")}`, or([sql`b`, sql`c`])])}`;
    assert.equal(q.text, "SELECT 1 WHERE (a = 'x') AND ((b) OR (c))");
    assert.equal(and([]).text, "1");
    assert.equal(or([]).text, "0");
    assert.equal(list([uint(1), str("a")]).text, "1, 'a'");
    assert.throws(() => list([]), /non-empty/);
    const raw = "' OR 1=1" as unknown as Sql;
    assert.throws(() => sql`SELECT ${raw}`, TypeError);
  });
});
