import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatLogLine } from "./pretty.js";

const plain = { labelWidth: 8, color: false };
const at = new Date(2025, 0, 2, 13, 4, 5, 67).toISOString();

describe("formatLogLine", () => {
  it("renders a pino line as time, level, message and fields", () => {
    const line = JSON.stringify({
      level: "info",
      time: at,
      service: "router",
      pid: 42,
      msg: "listening",
      grpc: "127.0.0.1:5001",
      note: "two words",
      retries: 2,
    });
    assert.equal(
      formatLogLine("router", line, plain),
      'router   │ 13:04:05.067 INFO  listening grpc=127.0.0.1:5001 note="two words" retries=2',
    );
  });

  it("maps numeric pino levels and prints an error's stack under the line", () => {
    const line = JSON.stringify({
      level: 50,
      time: at,
      msg: "failed",
      err: { message: "boom", stack: "Error: boom\n    at x" },
    });
    assert.equal(
      formatLogLine("policy", line, plain),
      "policy   │ 13:04:05.067 ERROR failed\n         │   Error: boom\n         │       at x",
    );
  });

  it("passes other lines through behind the label", () => {
    assert.equal(
      formatLogLine("ingress", "node:internal/modules ... not found", plain),
      "ingress  │ node:internal/modules ... not found",
    );
    assert.equal(formatLogLine("ingress", "[1,2]", plain), "ingress  │ [1,2]");
  });

  it("colours label and level only when asked", () => {
    const line = JSON.stringify({ level: "warn", msg: "slow" });
    const colored = formatLogLine("router", line, { labelWidth: 6, color: true, labelColor: 36 });
    assert.ok(colored.startsWith("\u001b[36mrouter\u001b[0m"));
    assert.ok(colored.includes("\u001b[33mWARN \u001b[0m slow"));
    assert.ok(!formatLogLine("router", line, plain).includes("\u001b["));
  });
});
