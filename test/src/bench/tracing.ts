// `node test/dist/bench/tracing.js [hooks|off|on]`: what tracing costs on the request path, measured in one process
// so the shared machine's noise matters less than in the mesh benchmark.
//   hooks  the hooks with tracing off (no OTLP endpoint): nanoseconds per call, and minor GCs over 10 million calls
//          (0: they allocate nothing);
//   off    a Connect unary call (client and server in this process, loopback HTTP/1.1), tracing off: CPU µs per call;
//   on     the same call inside a root span, first made outside it, then traced (client span, traceparent, server
//          span, each exported to an exporter that drops it): the difference is the cost of one traced hop.
//   spans  CPU µs of the span work of one traced hop without the I/O, and of what every request pays anyway (an
//          access-log line, a histogram observation), each the best of 5 rounds.
// Run `off` and `on` several times each, alternating, and compare minimums. TRACING_SECONDS (default 3) sets the
// duration of each case.

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { create } from "@bufbuild/protobuf";
import { llm, router } from "@switchyard/proto";
// A namespace import, so the `off` case also runs on a tree whose runtime has no tracing (the baseline).
import * as runtime from "@switchyard/runtime";

const { connect } = runtime;
const tracing = runtime.tracing;

const seconds = Number(process.env.TRACING_SECONDS ?? 3);

let scavenges = 0;
new PerformanceObserver((list) => {
  scavenges += list.getEntries().length;
}).observe({ entryTypes: ["gc"] });

/** Runs `fn` `n` times; returns ns per call and the GCs meanwhile. */
async function perCall(n: number, fn: () => void): Promise<{ ns: number; gcs: number }> {
  for (let i = 0; i < 100_000; i++) fn();
  await new Promise((r) => setTimeout(r, 50));
  const before = scavenges;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const ns = Number(process.hrtime.bigint() - started) / n;
  await new Promise((r) => setTimeout(r, 50));
  return { ns, gcs: scavenges - before };
}

const request = create(router.ChatRequestSchema, {
  request: {
    model: "gpt-4o-mini",
    messages: [{ role: llm.Role.USER, content: { case: "text", value: "Say hello in one short sentence." } }],
    maxTokens: 64,
  },
  requestId: "7f3c2a9e-1b4d-4c8e-9a6f-0d2e5b7c1a3f",
  caller: { keyId: "master" },
});
const answer = router.ChatResponseSchema;

/** Serves RouterService.Chat in this process; returns the client and a closer. */
async function loopback(): Promise<{ client: runtime.connect.ConnectClient; close: () => Promise<void> }> {
  const routes = connect.addConnectService(new Map(), router.RouterService, {
    chat: () => create(answer, { completion: { id: "c1", model: "m", choices: [] } }),
    streamChat: () => undefined,
    embed: () => {
      throw new Error("not served");
    },
    listModels: () => create(router.ListModelsResponseSchema),
    listDeployments: () => create(router.ListDeploymentsResponseSchema),
  } as unknown as runtime.connect.ConnectImpl<typeof router.RouterService.method>);
  const server = createServer(connect.createConnectHandler(routes));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = connect.createConnectClient(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  return {
    client,
    close: async () => {
      await client.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Calls for `seconds` at concurrency 1, each call inside `wrap`; returns calls and CPU µs per call (both ends). */
async function measureCalls(
  client: runtime.connect.ConnectClient,
  wrap: (call: () => Promise<unknown>) => Promise<unknown>,
) {
  const call = () => connect.callUnary(client, router.RouterService.method.chat, request);
  const until = performance.now() + 500;
  while (performance.now() < until) await wrap(call);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < seconds * 1000) {
    await wrap(call);
    calls++;
  }
  const used = process.cpuUsage(cpu);
  return { calls, cpuMicros: (used.user + used.system) / calls };
}

class DropExporter {
  export(_spans: unknown[], done: (result: { code: number }) => void) {
    done({ code: 0 });
  }
  shutdown() {
    return Promise.resolve();
  }
}

async function hooks(): Promise<void> {
  const method = router.RouterService.method.chat;
  const headers: Record<string, string> = {};
  const off = {
    "Connect client hook (startClientCall + endCall)": await perCall(10_000_000, () =>
      connect.endCall(connect.startClientCall(method, "127.0.0.1:8082", headers)),
    ),
    "log line trace ids (pino mixin)": await perCall(10_000_000, () => tracing.activeTraceIds()),
    "server check (tracingEnabled)": await perCall(10_000_000, () => tracing.tracingEnabled()),
  };
  console.log("| hook, tracing off | ns per call | minor GCs in 10M calls |\n|---|---:|---:|");
  for (const [name, r] of Object.entries(off)) console.log(`| ${name} | ${r.ns.toFixed(1)} | ${r.gcs} |`);
}

/** One Connect case per process: `off` (tracing never started; runs on a tree without tracing too) or `on`. */
async function calls(mode: "off" | "on"): Promise<void> {
  const { client, close } = await loopback();
  if (mode === "off") {
    console.log(JSON.stringify({ mode, ...(await measureCalls(client, (call) => call())) }));
  } else {
    tracing.startTracing("bench", {}, { exporter: new DropExporter(), asyncContext: true });
    const root = (inner: (call: () => Promise<unknown>) => Promise<unknown>) => (call: () => Promise<unknown>) =>
      tracing.tracer().startActiveSpan("root", async (span) => {
        try {
          return await inner(call);
        } finally {
          span.end();
        }
      });
    // The root span alone (the call made outside it), then the call traced: the difference is one traced hop.
    const rootOnly = await measureCalls(
      client,
      root((call) => tracing.context.with(tracing.trace.deleteSpan(tracing.context.active()), call)),
    );
    const traced = await measureCalls(
      client,
      root((call) => call()),
    );
    console.log(JSON.stringify({ mode, rootOnly, traced }));
    await tracing.stopTracing();
  }
  await close();
}

/** CPU µs per iteration of `fn`, the best of 5 rounds of `n` (the minimum is the least disturbed by other load). */
function cpuPer(n: number, fn: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i++) fn();
    const used = process.cpuUsage(cpu);
    best = Math.min(best, (used.user + used.system) / n);
  }
  return best;
}

/** The span work of one traced hop, and what every request pays whether or not tracing is on. */
async function spans(): Promise<void> {
  const { Histogram, createLogger, createMetricsRegistry } = runtime;
  const histogram = new Histogram({
    name: "bench_seconds",
    help: "bench",
    labelNames: ["gen_ai_operation_name", "gen_ai_request_model", "deployment", "status", "stream"],
    registers: [createMetricsRegistry()],
  });
  const labels = () => ({
    gen_ai_operation_name: "chat",
    gen_ai_request_model: "gpt-4o-mini",
    deployment: "gpt/0",
    status: "200",
    stream: "false",
  });
  const log = createLogger("bench", "info", { write: () => undefined });
  const line = {
    requestId: "7f3c2a9e-1b4d-4c8e-9a6f-0d2e5b7c1a3f",
    protocol: "http",
    method: "POST",
    path: "/v1/chat/completions",
    status: 200,
    latencyMs: 12.3,
    model: "gpt-4o-mini",
    keyAlias: "search",
    keyId: "k1",
    deployment: "gpt/0",
  };
  const always = {
    observe: cpuPer(200_000, () => histogram.observe(labels(), 0.012)),
    accessLine: cpuPer(200_000, () => log.info(line, "request")),
  };
  tracing.startTracing("bench", {}, { exporter: new DropExporter(), asyncContext: true });
  const method = router.RouterService.method.chat;
  const hop = () => {
    const headers: Record<string, string> = {};
    const client = runtime.connect.startClientCall(method, "127.0.0.1:8082", headers);
    const parent = tracing.extractTraceContext(headers);
    const server = tracing
      .tracer()
      .startSpan(
        "switchyard.router.v1.RouterService/Chat",
        { kind: tracing.SpanKind.SERVER, attributes: { "rpc.system": "connect_rpc" } },
        parent,
      );
    server.end();
    runtime.connect.endCall(client);
  };
  const perHop = await new Promise<number>((resolve) =>
    tracing.tracer().startActiveSpan("root", (root) => {
      resolve(cpuPer(50_000, hop));
      root.end();
    }),
  );
  console.log(`| access-log line (pino, always on) | ${always.accessLine.toFixed(2)} |`);
  console.log(
    `| histogram observation, 5 labels (a literal label object, never a spread one) | ${always.observe.toFixed(2)} |`,
  );
  console.log(
    `| one traced hop: client span, traceparent, server span, both exported (tracing on) | ${perHop.toFixed(2)} |`,
  );
  await tracing.stopTracing();
}

const mode = process.argv[2] ?? "hooks";
if (mode === "off" || mode === "on") await calls(mode);
else if (mode === "spans") await spans();
else await hooks();
