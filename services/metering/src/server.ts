import { llm, metering } from "@switchyard/proto";
import { connect, GatewayError, type Logger } from "@switchyard/runtime";
import { listAuditLogs } from "./audit-log.js";
import { getSpend, listSpendLogs, spendReport } from "./queries.js";
import type { Store } from "./store.js";

/** Dependencies of the metering Connect service. */
export interface MeteringDeps {
  store: Store;
  log: Logger;
}

/**
 * Classifies a failed query: invalid requests pass through; anything else (ClickHouse down, a timeout) is logged
 * with its cause and reaches the caller as a retryable `unavailable` that reveals nothing of the store.
 */
function classify(log: Logger, method: string, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  log.error({ method, err: err instanceof Error ? err.message : String(err) }, "spend query failed");
  return new GatewayError(
    { class: llm.ErrorClass.UNAVAILABLE, message: "spend store unavailable, try again" },
    { cause: err },
  );
}

/** The MeteringService routes, served over Connect on the HTTP port. */
export function meteringRoutes(deps: MeteringDeps, routes: connect.Routes = new Map()): connect.Routes {
  const { store, log } = deps;
  return connect.addConnectService(routes, metering.MeteringService, {
    async listSpendLogs(req) {
      try {
        return await listSpendLogs(store, req);
      } catch (err) {
        throw classify(log, "ListSpendLogs", err);
      }
    },
    async spendReport(req) {
      try {
        return await spendReport(store, req);
      } catch (err) {
        throw classify(log, "SpendReport", err);
      }
    },
    async getSpend(req) {
      try {
        return await getSpend(store, req);
      } catch (err) {
        throw classify(log, "GetSpend", err);
      }
    },
    async listAuditLogs(req) {
      try {
        return await listAuditLogs(store, req);
      } catch (err) {
        throw classify(log, "ListAuditLogs", err);
      }
    },
  });
}
