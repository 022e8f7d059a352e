// Rate limits, parallel-request limits and budgets across replicas: two ingress and two policy processes over one
// NATS, requests spread over both ingresses, and the limits must hold exactly — not per process.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { gateway, llm } from "@switchyard/proto";
import { callStream, callUnary, createClient, fromServiceError } from "@switchyard/runtime";
import { within } from "./admin-setup.js";
import {
  type Answer,
  chat,
  FAST,
  type LimitsGateway,
  PRICED,
  post,
  SLOW,
  STUCK,
  STUCK_ALONE,
  startLimitsGateway,
} from "./limits-setup.js";
import { MASTER_KEY } from "./setup.js";

let gw: LimitsGateway;
let urls: readonly string[];

before(async () => {
  gw = await startLimitsGateway();
  urls = gw.mesh.restUrls;
  assert.equal(urls.length, 2);
});
after(() => gw?.stop());

/** A new key with `limits`; returns its secret and id. */
async function newKey(limits: Record<string, unknown>): Promise<{ secret: string; id: string }> {
  const res = await post(urls[0] as string, "/key/generate", MASTER_KEY, limits);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  return { secret: res.json["key"] as string, id: res.json["key_id"] as string };
}

/** A dollar amount as the cost headers carry it, in nano-dollars, exactly. */
function nanos(usd: string | null): bigint {
  const [whole = "0", frac = ""] = (usd ?? "0").split(".");
  return BigInt(whole) * 1_000_000_000n + BigInt(frac.padEnd(9, "0"));
}

/** The x-switchyard-response-cost of an answer in nano-dollars, exactly. */
function costNanos(answer: Answer): bigint {
  return nanos(answer.headers.get("x-switchyard-response-cost"));
}

/** GETs `path` with the master key. */
async function get(url: string, path: string): Promise<Answer> {
  const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Answer["json"] };
}

/** Sends `n` requests at once, alternating between the two ingresses. */
function burst(n: number, send: (url: string) => Promise<Answer>): Promise<Answer[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => send(urls[i % 2] as string)));
}

function statuses(answers: readonly Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

/** Asserts an OpenAI-shaped error with this status and code. */
function refusedWith(answer: Answer, status: number, code: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.json));
  const error = answer.json.error;
  assert.ok(error, JSON.stringify(answer.json));
  assert.deepEqual(Object.keys(error), ["message", "type", "param", "code"]);
  assert.equal(error.code, code, error.message);
}

describe("limits across two ingress and two policy processes", () => {
  it("rpm_limit 10: exactly 10 of 100 concurrent requests succeed, the rest get 429 with OpenAI's headers", async () => {
    const key = await newKey({ rpm_limit: 10 });
    const answers = await burst(100, (url) => chat(url, key.secret, FAST));
    assert.deepEqual(statuses(answers), { 200: 10, 429: 90 });
    const refusal = answers.find((a) => a.status === 429) as Answer;
    refusedWith(refusal, 429, "rate_limit_exceeded");
    assert.match(refusal.json.error?.message ?? "", /rpm_limit 10/);
    const retryAfter = Number(refusal.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 61, `retry-after ${retryAfter}`);
    assert.equal(refusal.headers.get("x-ratelimit-limit-requests"), "10");
    assert.equal(refusal.headers.get("x-ratelimit-remaining-requests"), "0");
    assert.match(refusal.headers.get("x-ratelimit-reset-requests") ?? "", /^\d+(ms|s|m\d+s)$/);
    const success = answers.find((a) => a.status === 200) as Answer;
    assert.equal(success.headers.get("x-ratelimit-limit-requests"), "10");
    assert.ok(Number(success.headers.get("x-ratelimit-remaining-requests")) < 10);
    // A streamed request goes through the same admission.
    const stream = await chat(urls[1] as string, key.secret, FAST, { stream: true });
    refusedWith(stream, 429, "rate_limit_exceeded");
    // Without a budget, /key/info shows metering's spend: the costs the clients were told, once metered.
    const told = answers.filter((a) => a.status === 200).reduce((sum, a) => sum + costNanos(a), 0n);
    assert.ok(told > 0n);
    await within(30_000, async () => {
      const info = await get(urls[0] as string, `/key/info?key=${key.id}`);
      return (info.json["info"] as Record<string, unknown>)["spend_nanos"] === told.toString();
    });
  });

  it("rpm_limit 60 with admissions taken ahead of need: exactly 60 of 120 steady requests succeed", async () => {
    // Far from the limit the ingresses take admissions ahead of need (prefetch); near it they go one by one, and
    // what they took but did not use goes back within a second. Never more than the limit, and no quota lost.
    const key = await newKey({ rpm_limit: 60 });
    const answers: Answer[] = [];
    for (let i = 0; i < 25; i++) answers.push(...(await burst(4, (url) => chat(url, key.secret, FAST))));
    await new Promise((r) => setTimeout(r, 2_000));
    for (let i = 0; i < 5; i++) answers.push(...(await burst(4, (url) => chat(url, key.secret, FAST))));
    assert.deepEqual(statuses(answers), { 200: 60, 429: 60 });
  });

  it("tpm_limit: concurrent requests reserve prompt plus max_tokens, and exactly as many as fit succeed", async () => {
    // One request's reservation, read off the headers of a key with room to spare.
    const probe = await newKey({ tpm_limit: 1_000_000 });
    const first = await chat(urls[0] as string, probe.secret, FAST);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    const perRequest = 1_000_000 - Number(first.headers.get("x-ratelimit-remaining-tokens"));
    assert.ok(perRequest > 100 && perRequest < 200, `reservation ${perRequest}`);
    const key = await newKey({ tpm_limit: perRequest * 7 + Math.floor(perRequest / 2) });
    // Slow answers: a settled request refunds what it reserved but did not use, which would make room mid-burst.
    const answers = await burst(100, (url) => chat(url, key.secret, SLOW));
    assert.deepEqual(statuses(answers), { 200: 7, 429: 93 });
    refusedWith(answers.find((a) => a.status === 429) as Answer, 429, "rate_limit_exceeded");
    // A request that could never fit says so instead of asking to retry.
    const tooBig = await chat(urls[1] as string, key.secret, FAST, { max_tokens: perRequest * 10 });
    refusedWith(tooBig, 429, "rate_limit_exceeded");
    assert.match(tooBig.json.error?.message ?? "", /more than tpm_limit/);
  });

  it("max_parallel_requests 3: exactly 3 of 100 concurrent requests run, and their slots free when they end", async () => {
    const key = await newKey({ max_parallel_requests: 3 });
    const answers = await burst(100, (url) => chat(url, key.secret, SLOW));
    assert.deepEqual(statuses(answers), { 200: 3, 429: 97 });
    refusedWith(answers.find((a) => a.status === 429) as Answer, 429, "rate_limit_exceeded");
    // Settles run in the background: the slots come back shortly after the answers.
    await within(5_000, async () => (await chat(urls[1] as string, key.secret, FAST)).status === 200);
  });

  it("max_budget $1.00: of 50 concurrent requests costing up to $0.10, 10 run and spend stays within $1.00", async () => {
    const key = await newKey({ max_budget: 1.0 });
    const answers = await burst(50, (url) => chat(url, key.secret, PRICED));
    assert.deepEqual(statuses(answers), { 200: 10, 400: 40 });
    refusedWith(answers.find((a) => a.status === 400) as Answer, 400, "budget_exceeded");
    const spent = answers
      .filter((a) => a.status === 200)
      .reduce((sum, a) => sum + Number(a.headers.get("x-switchyard-response-cost")), 0);
    assert.ok(spent > 0.5 && spent <= 1.0, `spent $${spent}`);
    // /key/info shows what was settled, to the nano-dollar: the sum of the costs the clients were told.
    const told = answers.filter((a) => a.status === 200).reduce((sum, a) => sum + costNanos(a), 0n);
    await within(5_000, async () => {
      const info = await get(urls[1] as string, `/key/info?key=${key.id}`);
      return (info.json["info"] as Record<string, unknown>)["spend_nanos"] === told.toString();
    });
    // What is left cannot cover another request.
    refusedWith(await chat(urls[1] as string, key.secret, PRICED), 400, "budget_exceeded");
  });

  it("a budget set on a key that has spent already counts what metering recorded", async () => {
    const key = await newKey({});
    const answers = await burst(4, (url) => chat(url, key.secret, FAST));
    assert.deepEqual(statuses(answers), { 200: 4 });
    const told = answers.reduce((sum, a) => sum + costNanos(a), 0n);
    await within(30_000, async () => {
      const info = await get(urls[0] as string, `/key/info?key=${key.id}`);
      return (info.json["info"] as Record<string, unknown>)["spend_nanos"] === told.toString();
    });
    // A budget just below what was spent: LiteLLM compares a budget without a duration with all the key's spend.
    const updated = await post(urls[0] as string, "/key/update", MASTER_KEY, {
      key: key.id,
      max_budget_nanos: String(told - 1n),
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    await within(1_000, async () => (await chat(urls[1] as string, key.secret, FAST)).status === 400);
    const refused = await chat(urls[0] as string, key.secret, FAST);
    refusedWith(refused, 400, "budget_exceeded");
    assert.match(refused.json.error?.message ?? "", /budget exhausted/);
  });

  it("a timed-out attempt before a fallback is settled against the budget with the answer", async () => {
    const key = await newKey({ max_budget: 10 });
    const answer = await chat(urls[0] as string, key.secret, STUCK);
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    assert.equal(answer.json["model"], "priced", "the fallback answered");
    // The stuck attempt timed out after the upstream may have read the prompt: its estimated prompt is billed.
    const failed = nanos(answer.headers.get("x-switchyard-failed-attempts-cost"));
    assert.ok(failed > 0n, "the failed attempt's cost is reported");
    assert.equal(costNanos(answer), 100_000_000n, "the answer's own cost stays the answering attempt's");
    await within(5_000, async () => {
      const info = await get(urls[1] as string, `/key/info?key=${key.id}`);
      return (info.json["info"] as Record<string, unknown>)["spend_nanos"] === (failed + 100_000_000n).toString();
    });
  });

  it("a streamed fallback after a first-token timeout settles both attempts, and reports both in trailers", async () => {
    const key = await newKey({ max_budget: 10 });
    const res = await fetch(`${urls[0]}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: STUCK,
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 100,
        stream: true,
      }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("trailer") ?? "", /x-switchyard-failed-attempts-cost/);
    const body = await res.text();
    assert.ok(body.endsWith("data: [DONE]\n\n"), body.slice(-200));
    // fetch does not expose trailers; the settled spend shows both attempts were counted.
    await within(5_000, async () => {
      const info = await get(urls[1] as string, `/key/info?key=${key.id}`);
      const spent = BigInt(String((info.json["info"] as Record<string, unknown>)["spend_nanos"] ?? "0"));
      return spent > 100_000_000n;
    });
  });

  it("a request whose every attempt failed is settled with what they were charged, not its reservation", async () => {
    const key = await newKey({ max_budget: 10 });
    const answer = await chat(urls[0] as string, key.secret, STUCK_ALONE);
    refusedWith(answer, 504, "timeout");
    let spent = 0n;
    await within(5_000, async () => {
      const info = await get(urls[1] as string, `/key/info?key=${key.id}`);
      spent = BigInt(String((info.json["info"] as Record<string, unknown>)["spend_nanos"] ?? "0"));
      return spent > 0n;
    });
    // The reservation was the prompt plus 100 output tokens at $0.001 each ($0.10 and more); the timed-out attempt
    // is charged its estimated prompt only.
    assert.ok(spent < 50_000_000n, `settled ${spent} nano-dollars`);
  });

  it("soft_budget: reported on the answers once reached, nothing refused", async () => {
    const key = await newKey({ max_budget: 10, soft_budget: 0.15 });
    const first = await chat(urls[0] as string, key.secret, PRICED);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("x-switchyard-soft-budget-reached"), null);
    await chat(urls[0] as string, key.secret, PRICED);
    // Settled spend ($0.20) is now past the soft budget: later answers say so, and still succeed.
    await within(5_000, async () => {
      const answer = await chat(urls[Math.floor(Math.random() * 2)] as string, key.secret, PRICED);
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      return answer.headers.get("x-switchyard-soft-budget-reached") === "key";
    });
  });

  it("soft_budget without max_budget: tracked and reported all the same", async () => {
    const key = await newKey({ soft_budget: 0.15 });
    const first = await chat(urls[0] as string, key.secret, PRICED);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal(first.headers.get("x-switchyard-soft-budget-reached"), null);
    await chat(urls[1] as string, key.secret, PRICED);
    await within(5_000, async () => {
      const answer = await chat(urls[Math.floor(Math.random() * 2)] as string, key.secret, PRICED);
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      return answer.headers.get("x-switchyard-soft-budget-reached") === "key";
    });
  });

  it("budget_duration: the budget resets when its window ends", async () => {
    const key = await newKey({ max_budget: 0.15, budget_duration: "3s" });
    const first = await chat(urls[0] as string, key.secret, PRICED);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    refusedWith(await chat(urls[1] as string, key.secret, PRICED), 400, "budget_exceeded");
    const waited = await within(
      8_000,
      async () => (await chat(urls[Math.floor(Math.random() * 2)] as string, key.secret, PRICED)).status === 200,
    );
    assert.ok(waited <= 8_000);
  });

  it("a team's limit holds across its keys", async () => {
    const team = await post(urls[0] as string, "/team/new", MASTER_KEY, { team_id: "rpm-team", rpm_limit: 6 });
    assert.equal(team.status, 200, JSON.stringify(team.json));
    const keys = await Promise.all([newKey({ team_id: "rpm-team" }), newKey({ team_id: "rpm-team" })]);
    const answers = await burst(40, (url) =>
      chat(url, (keys[Math.floor(Math.random() * 2)] as { secret: string }).secret, FAST),
    );
    assert.deepEqual(statuses(answers), { 200: 6, 429: 34 });
    assert.match(answers.find((a) => a.status === 429)?.json.error?.message ?? "", /the key's team/);
  });

  it("blocking a key through one ingress refuses it on the other within 1 s", async () => {
    const key = await newKey({});
    assert.equal((await chat(urls[1] as string, key.secret, FAST)).status, 200);
    const blocked = await post(urls[0] as string, "/key/block", MASTER_KEY, { key: key.id });
    assert.equal(blocked.status, 200, JSON.stringify(blocked.json));
    const after = await within(1_000, async () => (await chat(urls[1] as string, key.secret, FAST)).status === 401);
    assert.ok(after <= 1_000, `refused after ${after} ms`);
  });

  it("allows client-side fallbacks only to models the key may call", async () => {
    const key = await newKey({ models: [FAST] });
    const refused = await chat(urls[0] as string, key.secret, FAST, { fallbacks: [PRICED] });
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.equal(refused.json.error?.param, "fallbacks");
    assert.match(refused.json.error?.message ?? "", /mock-priced/);
    const allowed = await chat(urls[1] as string, key.secret, FAST, { fallbacks: [FAST] });
    assert.equal(allowed.status, 200, JSON.stringify(allowed.json));
  });

  it("limits the gRPC API through the same admission, unary and streamed", async () => {
    const key = await newKey({ rpm_limit: 2 });
    const clients = gw.mesh.grpcAddresses.map((address) => createClient(address));
    try {
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${key.secret}`);
      const request = create(llm.ChatCompletionRequestSchema, {
        model: FAST,
        messages: [{ role: llm.Role.USER, content: { case: "text", value: "hi" } }],
      });
      const unary = () =>
        callUnary(
          clients[0] as grpc.Client,
          gateway.GatewayService.method.createChatCompletion,
          create(gateway.CreateChatCompletionRequestSchema, { request }),
          { metadata },
        );
      const first = await unary();
      assert.equal(first.headers.get("x-ratelimit-limit-requests")[0], "2");
      const streamed = callStream(
        clients[1] as grpc.Client,
        gateway.GatewayService.method.streamChatCompletion,
        create(gateway.StreamChatCompletionRequestSchema, { request }),
        { metadata },
      );
      for await (const _ of streamed as AsyncIterable<unknown>) {
        // drain
      }
      const third = await unary().then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(third instanceof Error && (third as grpc.ServiceError).code === grpc.status.RESOURCE_EXHAUSTED);
      const detail = fromServiceError(third as grpc.ServiceError);
      assert.equal(detail.errorClass, llm.ErrorClass.RATE_LIMITED);
      assert.match(detail.message, /rpm_limit 2/);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it("fails closed: a policy outage is 503 for the ingress that uses it, never 401, and heals on restart", async () => {
    const key = await newKey({ rpm_limit: 1_000 });
    assert.equal((await chat(urls[1] as string, key.secret, FAST)).status, 200);
    await gw.mesh.kill("policy", 1, "SIGKILL");
    // Ingress 1 drops its cached decisions when its watch on policy 1 ends; the limits need the policy anyway. An
    // admission it took ahead of need before the outage may still serve one request (it was granted while the
    // policy was up), so the outage shows within a moment, and from then on every request is refused.
    await within(5_000, async () => (await chat(urls[1] as string, key.secret, FAST)).status === 503);
    for (let i = 0; i < 5; i++) {
      const answer = await chat(urls[1] as string, key.secret, FAST);
      refusedWith(answer, 503, answer.json.error?.code as string);
      assert.match(answer.json.error?.message ?? "", /unavailable/);
    }
    assert.equal((await chat(urls[0] as string, key.secret, FAST)).status, 200, "the other pair still serves");
    await gw.mesh.restart("policy", 1);
    await within(10_000, async () => (await chat(urls[1] as string, key.secret, FAST)).status === 200);
  });
});
