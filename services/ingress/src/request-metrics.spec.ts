import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deployment } from "@switchyard/config";
import { llm } from "@switchyard/proto";
import { type connect, createMetricsRegistry, type Encoded, GatewayError } from "@switchyard/runtime";
import { ingressMetrics, measureRouter, modelLabels } from "./request-metrics.js";
import type { CallContext, RouterClient } from "./upstream.js";

const deployments = [
  { id: "gpt/0", modelName: "gpt" },
  { id: "claude-a", modelName: "anthropic/*" },
] as unknown as Deployment[];

const ctx = {} as CallContext;
const request = (model: string) => ({ model }) as llm.ChatCompletionRequest;

/** A router whose answers the spec scripts. */
function fakeRouter(script: {
  chat?: () => Promise<connect.UnaryResult<Encoded>>;
  stream?: () => connect.ServerStream<Encoded>;
}): RouterClient {
  return {
    chat: () => script.chat?.() ?? Promise.reject(new Error("unscripted")),
    streamChat: () => script.stream?.() as connect.ServerStream<Encoded>,
    embed: () => Promise.reject(new Error("unscripted")),
    listModels: async () => [],
    listDeployments: async () => [],
  } as unknown as RouterClient;
}

function stream(chunks: number, headers: Record<string, string>, fail?: GatewayError): connect.ServerStream<Encoded> {
  return {
    headers,
    trailers: {},
    cancel() {},
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < chunks; i++) yield Buffer.from([i]);
      if (fail) throw fail;
    },
  };
}

async function sample(registry: ReturnType<typeof createMetricsRegistry>, pattern: RegExp): Promise<number> {
  const line = (await registry.metrics()).split("\n").find((l) => pattern.test(l));
  return line === undefined ? Number.NaN : Number(line.split(" ").pop());
}

describe("modelLabels", () => {
  const labels = modelLabels(deployments);
  it("names the requested group, else the serving deployment's group, else unknown", () => {
    assert.equal(labels.group("gpt", "gpt/0"), "gpt");
    assert.equal(labels.group("anthropic/claude-x", "claude-a"), "anthropic/*");
    assert.equal(labels.group("made-up-model-of-a-client", "none"), "unknown");
  });
  it("keeps deployment labels to configured ids", () => {
    assert.equal(labels.deployment("gpt/0"), "gpt/0");
    assert.equal(labels.deployment("whatever"), "none");
    assert.equal(labels.deployment(undefined), "none");
  });
});

describe("measureRouter", () => {
  it("observes a completion's duration by group, deployment and status", async () => {
    const registry = createMetricsRegistry();
    const metrics = ingressMetrics(registry);
    const headers = { "x-switchyard-deployment": "gpt/0" };
    const router = measureRouter(
      fakeRouter({ chat: async () => ({ value: Buffer.alloc(0), headers, trailers: {} }) }),
      metrics,
      modelLabels(deployments),
    );
    await router.chat(request("gpt"), ctx);
    await router.chat(request("gpt"), ctx);
    const count = await sample(
      registry,
      /^gen_ai_server_request_duration_seconds_count\{gen_ai_operation_name="chat",gen_ai_request_model="gpt",deployment="gpt\/0",status="200",stream="false"\}/,
    );
    assert.equal(count, 2);
  });

  it("observes failures by the error's HTTP status and the deployment in its metadata, and rethrows", async () => {
    const registry = createMetricsRegistry();
    const error = new GatewayError(
      { class: llm.ErrorClass.RATE_LIMITED, message: "slow down" },
      { meta: { "x-switchyard-deployment": "gpt/0" } },
    );
    const failures: unknown[] = [error, new Error("boom")];
    const router = measureRouter(
      fakeRouter({ chat: () => Promise.reject(failures.shift()) }),
      ingressMetrics(registry),
      modelLabels(deployments),
    );
    await assert.rejects(router.chat(request("gpt"), ctx), (err) => err === error);
    await assert.rejects(router.chat(request("no-such-model"), ctx));
    assert.equal(await sample(registry, /_count\{.*gen_ai_request_model="gpt",deployment="gpt\/0",status="429"/), 1);
    assert.equal(await sample(registry, /_count\{.*gen_ai_request_model="unknown",deployment="none",status="500"/), 1);
  });

  it("observes a stream's time to first token, and its duration when it ends, fails or is abandoned", async () => {
    const registry = createMetricsRegistry();
    const headers = { "x-switchyard-deployment": "claude-a" };
    const answers = [
      stream(3, headers),
      stream(1, headers, new GatewayError({ class: llm.ErrorClass.TIMEOUT, message: "stalled" })),
      stream(3, headers),
    ];
    const router = measureRouter(
      fakeRouter({ stream: () => answers.shift() as connect.ServerStream<Encoded> }),
      ingressMetrics(registry),
      modelLabels(deployments),
    );
    const consumed: number[] = [];
    for await (const chunk of router.streamChat(request("anthropic/claude-x"), ctx)) consumed.push(chunk[0] ?? -1);
    assert.deepEqual(consumed, [0, 1, 2]);
    await assert.rejects(async () => {
      for await (const _ of router.streamChat(request("anthropic/claude-x"), ctx)) {
        // drain
      }
    }, /stalled/);
    for await (const _ of router.streamChat(request("anthropic/claude-x"), ctx)) break;
    const group = 'gen_ai_request_model="anthropic/\\*",deployment="claude-a"';
    assert.equal(
      await sample(registry, new RegExp(`^gen_ai_server_time_to_first_token_seconds_count\\{.*${group}`)),
      3,
    );
    for (const status of ["200", "504", "499"]) {
      const pattern = new RegExp(
        `^gen_ai_server_request_duration_seconds_count\\{.*${group},status="${status}",stream="true"`,
      );
      assert.equal(await sample(registry, pattern), 1, status);
    }
  });

  it("keeps the router's other methods", async () => {
    const router = measureRouter(fakeRouter({}), ingressMetrics(createMetricsRegistry()), modelLabels([]));
    assert.deepEqual(await router.listModels(), []);
    assert.deepEqual(await router.listDeployments(), []);
  });
});
