// A PolicyService implementation with scripted behaviours, served on a real port, for the Connect specs.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { llm, policy } from "@switchyard/proto";
import { GatewayError } from "../errors.js";
import { createConnectHandler } from "./server.js";
import { addConnectService } from "./service.js";

/** The rich error the scripted service fails with, so specs can check it round-trips field by field. */
export const RICH_ERROR = {
  class: llm.ErrorClass.RATE_LIMITED,
  message: "slow down",
  param: "messages[0]",
  retryAfterSeconds: 1.5,
  provider: "openai",
  deploymentId: "dep-7",
} as const;

/** A started scripted server and what its handlers observed. */
export interface Scripted {
  readonly server: Server;
  readonly address: string;
  /** Abort reasons seen by handlers that waited for their signal. */
  readonly aborts: unknown[];
  draining: boolean;
  close(): Promise<void>;
}

function until(signal: AbortSignal, aborts: unknown[]): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener("abort", () => {
      aborts.push(signal.reason);
      reject(signal.reason);
    }),
  );
}

/**
 * Serves PolicyService: `authorize` answers by credential ("ok", "fail", "hang", "boom", "explain": its own
 * TIMEOUT once the deadline passed, "ignore": never); `watchInvalidations`
 * by the `x-mode` header ("", "fail-after", "fail-before", "hang").
 */
export async function startScripted(maxBodyBytes = 1024 * 1024): Promise<Scripted> {
  const aborts: unknown[] = [];
  const state = { draining: false };
  const routes = addConnectService(new Map(), policy.PolicyService, {
    async authorize(req, ctx) {
      ctx.responseHeaders["x-switchyard-deployment"] = "dep-7";
      ctx.responseTrailers["x-trailer"] = "t1";
      if (req.credential === "fail") throw new GatewayError(RICH_ERROR);
      if (req.credential === "hang") return until(ctx.signal, aborts);
      if (req.credential === "explain") {
        // Answers its deadline itself, as a provider worker's timed-out attempt does, with what it was charged.
        await until(ctx.signal, aborts).catch(() => {});
        throw new GatewayError({ class: llm.ErrorClass.TIMEOUT, message: "explained by the handler", costNanos: 42n });
      }
      if (req.credential === "ignore") return new Promise<never>(() => {});
      if (req.credential === "boom") throw new Error("secret internals");
      return create(policy.AuthorizeResponseSchema, { decision: policy.Decision.ALLOW, keyId: req.model });
    },
    async watchInvalidations(_req, ctx, sink) {
      const mode = ctx.requestHeaders["x-mode"] ?? "";
      ctx.responseHeaders["x-switchyard-deployment"] = "dep-7";
      if (mode === "fail-before") throw new GatewayError({ class: llm.ErrorClass.PERMISSION_DENIED, message: "no" });
      const count = mode === "" ? 3 : 1;
      for (let i = 0; i < count; i++) {
        await sink.write(create(policy.WatchInvalidationsResponseSchema, { keyIds: [`k${i}`] }));
      }
      if (mode === "fail-after") throw new GatewayError({ class: llm.ErrorClass.UNAVAILABLE, message: "gone" });
      if (mode === "hang") await until(ctx.signal, aborts);
      ctx.responseTrailers["x-trailer"] = "t2";
    },
    async admit() {
      return create(policy.AdmitResponseSchema, { decision: policy.AdmitDecision.ADMIT });
    },
    async settle() {
      return create(policy.SettleResponseSchema);
    },
    async settleMany() {
      return create(policy.SettleManyResponseSchema);
    },
  });
  const handler = createConnectHandler(routes, { maxBodyBytes, draining: () => state.draining });
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    address: `127.0.0.1:${port}`,
    aborts,
    get draining() {
      return state.draining;
    },
    set draining(value) {
      state.draining = value;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The GatewayError `promise` rejects with; fails when it settles otherwise. */
export async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw new Error(`expected a GatewayError, got ${String(err)}`);
  }
  throw new Error("expected a failure");
}
