import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_HEAP_GROWING_PERCENT, tuneHeap } from "./heap.js";

describe("tuneHeap", () => {
  it("defaults to 30 %, takes the variable, and leaves V8's heuristic at 0", () => {
    assert.deepEqual(tuneHeap({}, []), { percent: DEFAULT_HEAP_GROWING_PERCENT });
    assert.deepEqual(tuneHeap({ SWITCHYARD_HEAP_GROWING_PERCENT: " 50 " }, []), { percent: 50 });
    assert.deepEqual(tuneHeap({ SWITCHYARD_HEAP_GROWING_PERCENT: "0" }, []), { percent: 0 });
  });

  it("refuses values that are not a whole percentage, naming the variable", () => {
    for (const value of ["-1", "1.5", "lots", "1001"]) {
      const result = tuneHeap({ SWITCHYARD_HEAP_GROWING_PERCENT: value }, []);
      assert.ok("error" in result);
      assert.match(result.error, /^SWITCHYARD_HEAP_GROWING_PERCENT: expected a whole number from 0 to 1000/);
    }
  });

  it("keeps a --heap-growing-percent node was started with", () => {
    assert.deepEqual(tuneHeap({ SWITCHYARD_HEAP_GROWING_PERCENT: "50" }, ["--heap-growing-percent=80"]), {
      percent: 0,
    });
  });
});
