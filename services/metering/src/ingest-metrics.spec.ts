import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMetricsRegistry } from "@switchyard/runtime";
import type { IngestStats } from "./ingest.js";
import { registerIngestMetrics } from "./ingest-metrics.js";

describe("the ingest metrics", () => {
  it("report lag, backlog, failure and stored events from the pipeline's stats at scrape time", async () => {
    const registry = createMetricsRegistry();
    const stats: IngestStats = {
      events: 10,
      messages: 10,
      batches: 2,
      rejected: 1,
      heldMessages: 4,
      lagMs: 1_500,
      rollupLagMs: 2_500,
      pending: 250,
      failing: false,
      spendPending: 7,
    };
    registerIngestMetrics(registry, () => stats);
    const read = async () => {
      const text = (await registry.metrics()).split("\n");
      return (name: string) =>
        Number(
          text
            .find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
            ?.split(" ")
            .pop(),
        );
    };
    let value = await read();
    assert.equal(value("switchyard_metering_lag_seconds"), 1.5);
    assert.equal(value("switchyard_metering_rollup_lag_seconds"), 2.5);
    assert.equal(value("switchyard_metering_pending_messages"), 250);
    assert.equal(value("switchyard_metering_held_messages"), 4);
    assert.equal(value("switchyard_metering_store_failing"), 0);
    assert.equal(value("switchyard_metering_live_spend_pending"), 7);
    assert.equal(value("switchyard_metering_events_stored_total"), 10);
    assert.equal(value("switchyard_metering_messages_rejected_total"), 1);
    stats.events = 25;
    stats.failing = true;
    value = await read();
    assert.equal(value("switchyard_metering_events_stored_total"), 25, "the counter follows the total");
    assert.equal(value("switchyard_metering_store_failing"), 1);
  });
});
