import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { connect, GatewayError, type Logger } from "@switchyard/runtime";
import type { AuthorizeHandler } from "./authorizer.js";

/** Dependencies of the policy Connect service. */
export interface PolicyDeps {
  authorizer: AuthorizeHandler;
  log: Logger;
}

/** The open invalidation watches, so a change can be pushed to every ingress. */
export interface Watchers {
  /** Pushes an invalidation to every connected ingress. */
  publish(message: policy.WatchInvalidationsResponse): void;
  /** Ends every watch cleanly, so a draining policy process does not wait for ingresses to hang up. */
  endAll(): void;
  readonly size: number;
}

/** The PolicyService routes, served over Connect, and the watcher registry. */
export function policyRoutes(deps: PolicyDeps, routes: connect.Routes = new Map()): [connect.Routes, Watchers] {
  // Each open watch with the function that ends it.
  const watches = new Map<connect.StreamSink<policy.WatchInvalidationsResponse>, () => void>();
  connect.addConnectService(routes, policy.PolicyService, {
    async authorize(req) {
      try {
        return await deps.authorizer.authorize(req);
      } catch (err) {
        deps.log.error({ err }, "authorize failed");
        throw GatewayError.from(err);
      }
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
