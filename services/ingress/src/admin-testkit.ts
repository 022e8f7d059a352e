// A REST handler wired to a scripted PolicyAdminService and a fixed authenticator, both on real loopback ports,
// for the admin specs: what the ingress sends the policy and what it answers the client, without NATS.

import { createServer, request as httpRequest, type OutgoingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { create, type DescMessage, type DescMethod, type MessageInitShape } from "@bufbuild/protobuf";
import { llm, policy } from "@switchyard/proto";
import { connect, createLogger, GatewayError } from "@switchyard/runtime";
import type { Authenticator, Principal } from "./auth.js";
import { createRestHandler } from "./rest.js";
import type { RouterClient } from "./upstream.js";

/** The credentials the fake authenticator knows. */
export const MASTER = "sk-master-0123456789";
export const USER_KEY = "sk-user-0123456789";

const PRINCIPALS: Record<string, Principal> = {
  [MASTER]: { keyId: "master-1", teamId: "", userId: "", isAdmin: true, limited: false, endUserLimits: false },
  [USER_KEY]: {
    keyId: "key_00000000000000aa",
    teamId: "t1",
    userId: "u1",
    isAdmin: false,
    limited: false,
    endUserLimits: false,
  },
};

/** One call the scripted policy received. */
export interface PolicyCall {
  method: string;
  request: unknown;
  authorization: string | undefined;
}

/** Answers a policy call: a response message (or init object), or throws a GatewayError. */
export type Script = (method: string, request: unknown) => unknown;

/** A started handler and its scripted policy. */
export interface AdminKit {
  readonly port: number;
  readonly calls: PolicyCall[];
  script: Script;
  /** Sends a raw request: `path` and headers go on the wire exactly as given. */
  send(method: string, path: string, body?: string, headers?: OutgoingHttpHeaders): Promise<Reply>;
  close(): Promise<void>;
}

/** A response as the client saw it. */
export interface Reply {
  status: number;
  json: Record<string, unknown> & { error?: { message: string; param: string | null; code: string | null } };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

const fakeAuth: Authenticator = {
  async authenticate(credential) {
    const principal = credential === undefined ? undefined : PRINCIPALS[credential];
    if (!principal) throw new GatewayError({ class: llm.ErrorClass.AUTH, message: "invalid api key" });
    return principal;
  },
  cached: 0,
  close() {},
};

const noRouter = {} as RouterClient;

/** Starts the scripted policy and the REST handler in front of it; `maxBodyBytes` bounds admin bodies. */
export async function startAdminKit(maxBodyBytes = 64 * 1024): Promise<AdminKit> {
  const calls: PolicyCall[] = [];
  const kit = { script: (() => ({})) as Script };
  const impl: Record<string, (req: unknown, ctx: connect.HandlerContext) => unknown> = {};
  for (const method of policy.PolicyAdminService.methods as readonly DescMethod[]) {
    impl[method.localName] = (request, ctx) => {
      const header = ctx.requestHeaders["authorization"];
      calls.push({ method: method.localName, request, authorization: typeof header === "string" ? header : undefined });
      return create(method.output, kit.script(method.localName, request) as MessageInitShape<DescMessage>);
    };
  }
  const routes = connect.addConnectService(
    new Map(),
    policy.PolicyAdminService,
    impl as unknown as connect.ConnectImpl<typeof policy.PolicyAdminService.method>,
  );
  const policyServer = createServer(connect.createConnectHandler(routes));
  const policyPort = await listen(policyServer);
  const client = connect.createConnectClient(`127.0.0.1:${policyPort}`);
  const handler = createRestHandler({
    auth: fakeAuth,
    router: noRouter,
    policy: client,
    log: createLogger("test", "silent"),
    maxBodyBytes,
    draining: () => false,
  });
  const server = createServer(handler);
  const port = await listen(server);
  return {
    port,
    calls,
    get script() {
      return kit.script;
    },
    set script(value) {
      kit.script = value;
    },
    send(method, path, body, headers = { authorization: `Bearer ${MASTER}` }) {
      return new Promise((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({ status: res.statusCode ?? 0, json: text === "" ? {} : JSON.parse(text) });
          });
        });
        req.on("error", reject);
        req.end(body);
      });
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await client.close();
      await new Promise((resolve) => policyServer.close(resolve));
    },
  };
}
