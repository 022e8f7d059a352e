import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { llm, metering } from "@switchyard/proto";
import { connect, GatewayError } from "@switchyard/runtime";
import { meteringRoutes } from "./server.js";
import { createStore } from "./store.js";
import { testLog } from "./testkit.js";

describe("MeteringService over Connect", () => {
  it("serves the three methods and classifies failures without leaking the store's errors", async () => {
    // Nothing listens on port 1: every query fails the way a ClickHouse outage does.
    const store = createStore({ url: "http://127.0.0.1:1", username: "default", password: "", database: "x" });
    const routes = meteringRoutes({ store, log: testLog });
    assert.deepEqual([...routes.keys()].sort(), [
      "/switchyard.metering.v1.MeteringService/GetSpend",
      "/switchyard.metering.v1.MeteringService/ListAuditLogs",
      "/switchyard.metering.v1.MeteringService/ListSpendLogs",
      "/switchyard.metering.v1.MeteringService/SpendReport",
    ]);
    const server = createServer(connect.createConnectHandler(routes));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = connect.createConnectClient(`127.0.0.1:${(server.address() as AddressInfo).port}`);
    const { getSpend, listSpendLogs } = metering.MeteringService.method;
    const failsWith = async (call: Promise<unknown>, cls: llm.ErrorClass, message: RegExp) => {
      await assert.rejects(call, (err: unknown) => {
        assert.ok(err instanceof GatewayError, String(err));
        assert.equal(err.detail.class, cls);
        assert.match(err.message, message);
        return true;
      });
    };
    try {
      await failsWith(
        connect.callUnary(client, getSpend, create(metering.GetSpendRequestSchema)),
        llm.ErrorClass.UNAVAILABLE,
        /unavailable/,
      );
      await failsWith(
        connect.callUnary(client, getSpend, create(metering.GetSpendRequestSchema, { filter: { startMs: -1n } })),
        llm.ErrorClass.INVALID_REQUEST,
        /start_ms/,
      );
      await failsWith(
        connect.callUnary(client, listSpendLogs, create(metering.ListSpendLogsRequestSchema, { pageToken: "x" })),
        llm.ErrorClass.INVALID_REQUEST,
        /page_token/,
      );
    } finally {
      await client.close();
      server.close();
      await store.close();
    }
  });
});
