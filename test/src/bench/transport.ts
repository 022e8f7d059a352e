// `node test/dist/bench/transport.js`: the micro-benchmark behind Switchyard's internal transport choice. The same
// protobuf-es unary call (RouterService.Chat: a small ChatCompletionRequest in, a ChatCompletion out) is served by
// a child process and called from this one with (a) @grpc/grpc-js through @switchyard/runtime, (b) connect-node's
// gRPC protocol, (c) connect-node's Connect protocol (binary, HTTP/2) and (d) Switchyard's own Connect-over-HTTP/1.1
// client and server (packages/runtime/src/connect), which the internal hops use. For each, at concurrency 1 and 32, it
// prints calls/s, latency and CPU µs per call on each side. TRANSPORT_SECONDS (default 5) sets the measured
// duration of each case, TRANSPORT_WARMUP_SECONDS (default 1) the warm-up before it.

import { fork } from "node:child_process";
import { performance } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import { createClient as createConnectClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { llm, router } from "@switchyard/proto";
import { callUnary, createClient, connect as sy } from "@switchyard/runtime";
import { summarize } from "./load.js";
import { sibling } from "./procs.js";

const seconds = Number(process.env.TRANSPORT_SECONDS ?? 5);
const warmupSeconds = Number(process.env.TRANSPORT_WARMUP_SECONDS ?? 1);

/** One way of making the call; `close` releases its connection. */
interface Caller {
  readonly name: string;
  call(request: router.ChatRequest): Promise<router.ChatResponse>;
  close(): void;
}

const request = create(router.ChatRequestSchema, {
  request: {
    model: "gpt-4o-mini",
    messages: [
      { role: llm.Role.SYSTEM, content: { case: "text", value: "You are a helpful assistant. Answer briefly." } },
      { role: llm.Role.USER, content: { case: "text", value: "Say hello and offer to help, in one short sentence." } },
    ],
    maxTokens: 64,
    temperature: 0.2,
  },
  requestId: "7f3c2a9e-1b4d-4c8e-9a6f-0d2e5b7c1a3f",
  caller: { keyId: "master" },
});

function grpcJs(port: number): Caller {
  const client = createClient(`127.0.0.1:${port}`);
  return {
    name: "@grpc/grpc-js (runtime helpers)",
    call: async (req) => (await callUnary(client, router.RouterService.method.chat, req)).value,
    close: () => client.close(),
  };
}

function connect(port: number, protocol: "grpc" | "connect"): Caller {
  const baseUrl = `http://127.0.0.1:${port}`;
  const transport =
    protocol === "grpc"
      ? createGrpcTransport({ baseUrl })
      : createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true });
  const client = createConnectClient(router.RouterService, transport);
  return {
    name: protocol === "grpc" ? "connect-node, gRPC protocol" : "connect-node, Connect protocol (binary, HTTP/2)",
    call: (req) => client.chat(req),
    close: () => {},
  };
}

function switchyardConnect(port: number): Caller {
  const client = sy.createConnectClient(`127.0.0.1:${port}`);
  return {
    name: "Switchyard Connect over HTTP/1.1 (internal hops)",
    call: async (req) => (await sy.callUnary(client, router.RouterService.method.chat, req)).value,
    close: () => void client.close(),
  };
}

/** Asks the server process for its CPU time so far (µs). */
function serverCpu(server: ReturnType<typeof fork>): Promise<number> {
  return new Promise((resolve) => {
    server.once("message", (message) => resolve((message as { cpu: number }).cpu));
    server.send("cpu");
  });
}

async function loop(caller: Caller, concurrency: number, ms: number, latencies?: number[]): Promise<number> {
  const deadline = performance.now() + ms;
  let calls = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const start = performance.now();
      const res = await caller.call(request);
      latencies?.push(performance.now() - start);
      if (res.completion?.choices.length !== 1) throw new Error("expected one choice in the response");
      calls += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return calls;
}

interface Row {
  transport: string;
  concurrency: number;
  callsPerSecond: number;
  p50: number;
  p99: number;
  clientMicros: number;
  serverMicros: number;
}

async function measure(caller: Caller, concurrency: number, server: ReturnType<typeof fork>): Promise<Row> {
  await loop(caller, concurrency, warmupSeconds * 1000);
  const latencies: number[] = [];
  const serverBefore = await serverCpu(server);
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  const calls = await loop(caller, concurrency, seconds * 1000, latencies);
  const elapsed = (performance.now() - start) / 1000;
  const client = process.cpuUsage(clientBefore);
  const serverAfter = await serverCpu(server);
  const summary = summarize(latencies);
  return {
    transport: caller.name,
    concurrency,
    callsPerSecond: calls / elapsed,
    p50: summary.p50,
    p99: summary.p99,
    clientMicros: (client.user + client.system) / calls,
    serverMicros: (serverAfter - serverBefore) / calls,
  };
}

async function main(): Promise<void> {
  const server = fork(sibling("transport-server.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ports = await new Promise<{ grpcPort: number; connectPort: number; switchyardPort: number }>(
    (resolve, reject) => {
      server.once("message", (message) =>
        resolve(message as { grpcPort: number; connectPort: number; switchyardPort: number }),
      );
      server.once("exit", (code) =>
        reject(new Error(`expected the transport server to start, but it exited (${code})`)),
      );
    },
  );
  const rows: Row[] = [];
  try {
    for (const caller of [
      grpcJs(ports.grpcPort),
      connect(ports.connectPort, "grpc"),
      connect(ports.connectPort, "connect"),
      switchyardConnect(ports.switchyardPort),
    ]) {
      for (const concurrency of [1, 32]) {
        process.stderr.write(`transport: ${caller.name}, concurrency ${concurrency}\n`);
        rows.push(await measure(caller, concurrency, server));
      }
      caller.close();
    }
  } finally {
    server.disconnect();
  }
  const lines = [
    "## Internal transport micro-benchmark",
    "",
    `RouterService.Chat, server in a child process, ${seconds} s measured after ${warmupSeconds} s warm-up per case; ` +
      "CPU is user + system time per call on each side.",
    "",
    "| transport | concurrency | calls/s | p50 ms | p99 ms | client CPU µs/call | server CPU µs/call |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.transport} | ${r.concurrency} | ${r.callsPerSecond.toFixed(0)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ` +
        `${r.clientMicros.toFixed(0)} | ${r.serverMicros.toFixed(0)} |`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  // Connect's HTTP/2 sessions keep the event loop alive for their idle timeout; the report is complete.
  process.exit(0);
}

await main();
