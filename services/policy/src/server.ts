import { create } from "@bufbuild/protobuf";
import type * as grpc from "@grpc/grpc-js";
import { policy } from "@switchyard/proto";
import { addService, GatewayError, type Logger } from "@switchyard/runtime";
import type { Authorizer } from "./authorizer.js";

/** Dependencies of the policy gRPC service. */
export interface PolicyDeps {
  authorizer: Authorizer;
  log: Logger;
}

/** The open invalidation watches, so a change can be pushed to every ingress. */
export interface Watchers {
  /** Pushes an invalidation to every connected ingress. */
  publish(message: policy.WatchInvalidationsResponse): void;
  readonly size: number;
}

/** Registers PolicyService on a gRPC server and returns the watcher registry. */
export function registerPolicy(server: grpc.Server, deps: PolicyDeps): Watchers {
  const watches = new Set<grpc.ServerWritableStream<policy.WatchInvalidationsRequest, unknown>>();
  addService(server, policy.PolicyService, {
    authorize(call, callback) {
      try {
        callback(null, deps.authorizer.authorize(call.request));
      } catch (err) {
        deps.log.error({ err }, "authorize failed");
        callback(GatewayError.from(err).toStatus());
      }
    },
    watchInvalidations(call) {
      watches.add(call);
      // A (re)connecting ingress may hold decisions made by an earlier policy process: drop them all.
      call.write(create(policy.WatchInvalidationsResponseSchema, { all: true }));
      const forget = () => watches.delete(call);
      call.on("cancelled", forget);
      call.on("close", forget);
      call.on("error", forget);
    },
  });
  return {
    publish(message) {
      for (const call of watches) call.write(message);
    },
    get size() {
      return watches.size;
    },
  };
}
