import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { metering } from "@switchyard/proto";
import { renderReport, spendLogRow } from "./spend.js";

describe("spend log rows", () => {
  it("shows every token class and the units billed otherwise: audio milliseconds and rerank queries", () => {
    const transcription = create(metering.UsageEventSchema, {
      eventId: "evt-1",
      operation: "audio.transcriptions",
      costNanos: 323_500n,
      tokens: { prompt: 0, audioMillis: 3_235 },
    });
    const row = spendLogRow(transcription);
    assert.equal(row.call_type, "audio.transcriptions");
    assert.equal(row.audio_millis, 3_235);
    assert.equal(row.queries, 0);
    assert.equal(row.spend_nanos, "323500");

    const rerank = spendLogRow(
      create(metering.UsageEventSchema, { operation: "rerank", tokens: { prompt: 42, queries: 3 } }),
    );
    assert.deepEqual([rerank.prompt_tokens, rerank.queries, rerank.audio_millis], [42, 3, 0]);

    const chat = spendLogRow(
      create(metering.UsageEventSchema, {
        tokens: { prompt: 100, completion: 20, promptAudio: 30, completionAudio: 10, images: 85 },
      }),
    );
    assert.deepEqual(
      [chat.prompt_audio_tokens, chat.completion_audio_tokens, chat.image_tokens, chat.total_tokens],
      [30, 10, 85, 120],
    );
  });

  it("sums audio milliseconds and queries per group and day in the report", () => {
    const rows = [
      create(metering.SpendRowSchema, { day: "2025-03-01", group: "whisper", requests: 2n, audioMillis: 61_500n }),
      create(metering.SpendRowSchema, { day: "2025-03-01", group: "rerank", requests: 1n, queries: 3n }),
    ];
    const [day] = renderReport(rows, { list: "models", name: "model" }) as Array<{
      models: Array<Record<string, unknown>>;
    }>;
    assert.deepEqual(
      day?.models.map((m) => [m.model, m.requests, m.audio_millis, m.queries]),
      [
        ["whisper", 2, 61_500, 0],
        ["rerank", 1, 0, 3],
      ],
    );
  });
});
