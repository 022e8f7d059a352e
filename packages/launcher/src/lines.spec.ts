import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLineRing, createLineSplitter } from "./lines.js";

describe("createLineSplitter", () => {
  it("joins lines split across chunks and strips CR", () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((l) => lines.push(l));
    splitter.push('{"msg":"he');
    splitter.push('llo"}\r\nsecond\nthi');
    assert.deepEqual(lines, ['{"msg":"hello"}', "second"]);
    splitter.push("rd");
    splitter.flush();
    assert.deepEqual(lines, ['{"msg":"hello"}', "second", "third"]);
  });

  it("emits empty lines and nothing extra on flush after a line break", () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((l) => lines.push(l));
    splitter.push("a\n\nb\n");
    splitter.flush();
    assert.deepEqual(lines, ["a", "", "b"]);
  });
});

describe("createLineRing", () => {
  it("keeps the last lines in order", () => {
    const ring = createLineRing(3);
    for (const l of ["1", "2"]) ring.add(l);
    assert.deepEqual(ring.lines(), ["1", "2"]);
    for (const l of ["3", "4", "5"]) ring.add(l);
    assert.deepEqual(ring.lines(), ["3", "4", "5"]);
    ring.add("6");
    assert.deepEqual(ring.lines(), ["4", "5", "6"]);
  });

  it("rejects a limit below one", () => {
    assert.throws(() => createLineRing(0), /positive integer/);
  });
});
