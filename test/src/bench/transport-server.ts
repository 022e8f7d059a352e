// The server half of the transport micro-benchmark, run as a child process by transport.ts (fork, with an IPC
// channel) so that server and client CPU are measured separately. It serves the same RouterService.Chat handler
// with @grpc/grpc-js (through @switchyard/runtime), with connect-node on one HTTP/2 server, which speaks both
// the gRPC and the Connect protocol, and with Switchyard's own Connect-over-HTTP/1.1 server. IPC: it sends
// `{ grpcPort, connectPort, switchyardPort }` when listening and answers every
// `"cpu"` message with its `process.cpuUsage()` total in microseconds.

import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { llm, router } from "@switchyard/proto";
import { addService, bindServer, connect, GatewayError } from "@switchyard/runtime";

/** The handler's work: build a small, realistic completion for the request (same for every transport). */
function chat(request: router.ChatRequest): router.ChatResponse {
  return create(router.ChatResponseSchema, {
    completion: {
      id: `chatcmpl-${request.requestId}`,
      created: 1_760_000_000,
      model: request.request?.model ?? "",
      choices: [{ index: 0, message: { content: "Hello! How can I help you today?" }, finishReason: "stop" }],
      usage: create(llm.UsageSchema, { promptTokens: 24, completionTokens: 9, totalTokens: 33 }),
      systemFingerprint: "fp_bench0001",
    },
  });
}

function unimplemented(): grpc.ServiceError {
  return Object.assign(new Error("not part of the benchmark"), {
    code: grpc.status.UNIMPLEMENTED,
    details: "not part of the benchmark",
    metadata: new grpc.Metadata(),
  });
}

async function startGrpcJs(): Promise<number> {
  const server = new grpc.Server();
  addService(server, router.RouterService, {
    chat: (call, callback) => callback(null, chat(call.request)),
    streamChat: (call) => call.destroy(unimplemented()),
    embed: (_call, callback) => callback(unimplemented()),
    complete: (_call, callback) => callback(unimplemented()),
    streamComplete: (call) => call.destroy(unimplemented()),
    rerank: (_call, callback) => callback(unimplemented()),
    transcribe: (_call, callback) => callback(unimplemented()),
    speak: (_call, callback) => callback(unimplemented()),
    generateImages: (_call, callback) => callback(unimplemented()),
    varyImage: (_call, callback) => callback(unimplemented()),
    listModels: (_call, callback) => callback(unimplemented()),
    listDeployments: (_call, callback) => callback(unimplemented()),
  });
  return bindServer(server, "127.0.0.1:0");
}

async function startConnect(): Promise<number> {
  const routes = (r: ConnectRouter) => r.service(router.RouterService, { chat: (request) => chat(request) });
  const server = createServer(connectNodeAdapter({ routes }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** Switchyard's own Connect-over-HTTP/1.1 server (packages/runtime/src/connect), as the internal hops use it. */
async function startSwitchyardConnect(): Promise<number> {
  const notInBenchmark = () => {
    throw new GatewayError({ class: llm.ErrorClass.NOT_FOUND, message: "not part of the benchmark" });
  };
  const routes = connect.addConnectService(new Map(), router.RouterService, {
    chat: async (request) => chat(request),
    streamChat: notInBenchmark,
    embed: notInBenchmark,
    complete: notInBenchmark,
    streamComplete: notInBenchmark,
    rerank: notInBenchmark,
    transcribe: notInBenchmark,
    speak: notInBenchmark,
    generateImages: notInBenchmark,
    varyImage: notInBenchmark,
    listModels: notInBenchmark,
    listDeployments: notInBenchmark,
  });
  const server = createHttpServer({ keepAliveTimeout: 65_000 }, connect.createConnectHandler(routes));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function main(): Promise<void> {
  const [grpcPort, connectPort, switchyardPort] = await Promise.all([
    startGrpcJs(),
    startConnect(),
    startSwitchyardConnect(),
  ]);
  process.on("message", (message) => {
    if (message !== "cpu") return;
    const usage = process.cpuUsage();
    process.send?.({ cpu: usage.user + usage.system });
  });
  process.on("disconnect", () => process.exit(0));
  process.send?.({ grpcPort, connectPort, switchyardPort });
}

await main();
