import { create } from "@bufbuild/protobuf";
import { llm, policy } from "@switchyard/proto";
import { connect, createThrottle, GatewayError, type Logger } from "@switchyard/runtime";
import type { AuthorizeHandler } from "./authorizer.js";
import type { Admissions } from "./ledger/admission.js";

/** Dependencies of the policy Connect service. */
export interface PolicyDeps {
  authorizer: AuthorizeHandler;
  /** Rate limits and budgets; undefined without NATS (the master key only, which nothing limits). */
  admissions?: Admissions;
  log: Logger;
}

function noLedger(): GatewayError {
  return new GatewayError({
    class: llm.ErrorClass.UNAVAILABLE,
    message: "limits are not enforced by this policy service (no NATS)",
  });
}

/** The open invalidation watches, so a change can be pushed to every ingress. */
export interface Watchers {
  /** Pushes an invalidation to every connected ingress. */
  publish(message: policy.WatchInvalidationsResponse): void;
  /** Ends every watch cleanly, so a draining policy process does not wait for ingresses to hang up. */
  endAll(): void;
  readonly size: number;
}

/**
 * Logs a failed call without flooding (a storm during a JWKS or NATS outage is summarized): infrastructure failures
 * (UNAVAILABLE) at warn, anything else at error, each call name at most once per 10 s with the count skipped since.
 */
function failureLog(log: Logger): (call: string, err: unknown) => GatewayError {
  const throttle = createThrottle();
  return (call, err) => {
    const error = GatewayError.from(err);
    const due = throttle(call);
    if (!due.log) return error;
    const fields = { err: error.message, errorClass: llm.ErrorClass[error.errorClass], since: due.skipped };
    if (error.errorClass === llm.ErrorClass.UNAVAILABLE) log.warn(fields, `${call} failed`);
    else log.error({ ...fields, stack: err instanceof Error ? err.stack : undefined }, `${call} failed`);
    return error;
  };
}

/** The PolicyService routes, served over Connect, and the watcher registry. */
export function policyRoutes(deps: PolicyDeps, routes: connect.Routes = new Map()): [connect.Routes, Watchers] {
  const failed = failureLog(deps.log);
  // Each open watch with the function that ends it.
  const watches = new Map<connect.StreamSink<policy.WatchInvalidationsResponse>, () => void>();
  connect.addConnectService(routes, policy.PolicyService, {
    async authorize(req) {
      try {
        return await deps.authorizer.authorize(req);
      } catch (err) {
        throw failed("authorize", err);
      }
    },
    async admit(req) {
      if (!deps.admissions) throw noLedger();
      try {
        return await deps.admissions.admit(req);
      } catch (err) {
        throw failed("admit", err);
      }
    },
    async settle(req) {
      if (!deps.admissions) throw noLedger();
      try {
        await deps.admissions.settle(req);
      } catch (err) {
        throw failed("settle", err);
      }
      return create(policy.SettleResponseSchema);
    },
    async settleMany(req) {
      if (!deps.admissions) throw noLedger();
      const admissions = deps.admissions;
      try {
        // Queued in one tick, so settles on the same entry share one ledger write.
        await Promise.all(req.settles.map((s) => admissions.settle(s)));
      } catch (err) {
        throw failed("settle", err);
      }
      return create(policy.SettleManyResponseSchema);
    },
    watchInvalidations(_req, ctx, sink) {
      // A (re)connecting ingress may hold decisions made by an earlier policy process: drop them all.
      void sink.write(create(policy.WatchInvalidationsResponseSchema, { all: true }));
      // The watch stays open until the ingress goes away or this process drains.
      return new Promise<void>((resolve) => {
        const end = () => {
          watches.delete(sink);
          resolve();
        };
        watches.set(sink, end);
        ctx.signal.addEventListener("abort", end);
      });
    },
  });
  return [
    routes,
    {
      publish(message) {
        for (const sink of watches.keys()) void sink.write(message);
      },
      endAll() {
        for (const end of [...watches.values()]) end();
      },
      get size() {
        return watches.size;
      },
    },
  ];
}
