// What one background health check sends, and to which deployments (health-checks.ts schedules them). A probe is the
// smallest chat completion a deployment can answer (one user message, `max_tokens: 1`), sent to a provider worker
// exactly as a routed attempt is: the worker resolves the deployment, its credential and its adapter, calls the
// upstream and meters the attempt. The caller it stamps on the usage event is `switchyard-health-check`, a key id no
// virtual key can have (theirs are `key_<hex>`, the master key's `master-<hex>`), with no team or user: the probe's
// cost lands in spend reports under that key and in no client's budget. docs/routing.md#background-health-checks.

import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { Deployment } from "@switchyard/config";
import { llm, worker } from "@switchyard/proto";
import { connect, type Logger } from "@switchyard/runtime";
import type { Failover } from "./failover.js";

/** The caller key id, alias and tag of every probe, as usage events and worker logs show it. */
export const HEALTH_CHECK_CALLER = "switchyard-health-check";
/** A probe's timeout unless `model_info.health_check_timeout` sets one (LiteLLM's waits 60 s: too long for a ping). */
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;
/** The longest error message kept from a failed probe. */
const MAX_MESSAGE_LENGTH = 200;

/** One deployment to probe: the model a request names to reach it, and how long its probe may take. */
export interface ProbePlan {
  readonly deployment: Deployment;
  /** The requested model: the group name, or `model_info.health_check_model` for a wildcard group. */
  readonly model: string;
  readonly timeoutMs: number;
  /** What the probe asks: a one-token chat, or the embedding of one word (`model_info.mode: embedding`). */
  readonly kind: "chat" | "embedding";
}

/** `model_info.mode` values probed with a chat call (LiteLLM's default mode is chat). */
const CHAT_MODES = new Set(["chat", "completion", "responses"]);

/** Sends one probe; resolves when the deployment answered, rejects with the failure (a GatewayError). */
export type Probe = (plan: ProbePlan, signal: AbortSignal) => Promise<void>;

/**
 * The probe plans of `deployments`, with LiteLLM's per-deployment `model_info` keys: `disable_background_health_check:
 * true` leaves a deployment out, `health_check_model` names the model a wildcard group (`openai/*`) is probed with
 * (without one it is left out: there is no model to ask for), and `health_check_timeout` (seconds) bounds its probe.
 * A value of the wrong type is logged and ignored, so a typo cannot stop the router.
 */
export function planProbes(deployments: readonly Deployment[], log: Logger): ProbePlan[] {
  const plans: ProbePlan[] = [];
  for (const deployment of deployments) {
    const info = deployment.modelInfo;
    const wrong = (key: string, expected: string) =>
      log.warn({ deployment: deployment.id, key: `model_info.${key}` }, `expected ${expected}; ignored`);
    const disabled = info["disable_background_health_check"];
    if (disabled === true) continue;
    if (disabled !== undefined && disabled !== false) wrong("disable_background_health_check", "true or false");
    const wildcard = deployment.modelName.includes("*") || deployment.model.includes("*");
    const checkModel = info["health_check_model"];
    if (checkModel !== undefined && (typeof checkModel !== "string" || checkModel.trim() === "")) {
      wrong("health_check_model", "a model name");
    }
    const named = typeof checkModel === "string" && checkModel.trim() !== "" ? checkModel.trim() : undefined;
    if (wildcard && named === undefined) {
      log.info({ deployment: deployment.id }, "wildcard deployment without model_info.health_check_model: not probed");
      continue;
    }
    const mode = typeof info["mode"] === "string" ? info["mode"] : "chat";
    if (mode !== "embedding" && !CHAT_MODES.has(mode)) {
      // Audio, image, rerank and moderation deployments have no call cheap enough to make in the background.
      log.info({ deployment: deployment.id, mode }, "deployment of this mode is not probed in the background");
      continue;
    }
    const seconds = info["health_check_timeout"];
    const valid = typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0;
    if (seconds !== undefined && !valid) wrong("health_check_timeout", "a positive number of seconds");
    const timeoutMs = valid
      ? Math.max(1, Math.round(seconds * 1000))
      : Math.min(DEFAULT_PROBE_TIMEOUT_MS, deployment.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
    const kind = mode === "embedding" ? "embedding" : "chat";
    plans.push({ deployment, model: (wildcard ? named : undefined) ?? deployment.modelName, timeoutMs, kind });
  }
  return plans;
}

/** The routing context and caller every probe carries. */
function probeContext(plan: ProbePlan) {
  const group = plan.deployment.modelName;
  return {
    deploymentId: plan.deployment.id,
    requestId: `${HEALTH_CHECK_CALLER}-${randomUUID()}`,
    attempt: 1,
    caller: { keyId: HEALTH_CHECK_CALLER, keyAlias: HEALTH_CHECK_CALLER, tags: [HEALTH_CHECK_CALLER] },
    requestedModel: group,
    modelGroup: group,
    fallbackDepth: 0,
  };
}

/** The worker request of an embedding probe: the embedding of one word. */
export function embedProbeRequest(plan: ProbePlan): worker.EmbedRequest {
  return create(worker.EmbedRequestSchema, { ...probeContext(plan), request: { model: plan.model, texts: ["ping"] } });
}

/** The worker request of one probe: one short user message, `max_tokens: 1`, caller `switchyard-health-check`. */
export function probeRequest(plan: ProbePlan): worker.ChatRequest {
  const group = plan.deployment.modelName;
  return create(worker.ChatRequestSchema, {
    deploymentId: plan.deployment.id,
    request: {
      model: plan.model,
      messages: [{ role: llm.Role.USER, content: { case: "text", value: "ping" } }],
      maxTokens: 1,
    },
    requestId: `${HEALTH_CHECK_CALLER}-${randomUUID()}`,
    attempt: 1,
    caller: { keyId: HEALTH_CHECK_CALLER, keyAlias: HEALTH_CHECK_CALLER, tags: [HEALTH_CHECK_CALLER] },
    requestedModel: group,
    modelGroup: group,
    fallbackDepth: 0,
  });
}

/**
 * Probes through the provider-worker pool as a routed attempt goes: a worker that cannot take the call is passed over
 * for the next (failover.ts), and the worker enforces the probe's deadline on the upstream call. Breakers are not
 * involved: a probe neither waits for a closed breaker nor counts towards one.
 */
export function workerProbe(failover: Failover): Probe {
  return (plan, signal) =>
    failover.run(async (conn) => {
      const options = { deadline: Date.now() + plan.timeoutMs, signal };
      if (plan.kind === "embedding") {
        await connect.callUnaryRaw(
          conn.client,
          worker.ProviderWorkerService.method.embed,
          embedProbeRequest(plan),
          options,
        );
        return;
      }
      await connect.callUnaryRaw(conn.client, worker.ProviderWorkerService.method.chat, probeRequest(plan), options);
    }, signal);
}

/**
 * A failed probe's message as `/health` may show it. Worker errors already carry generic messages for credential and
 * outage failures (providers/errors.ts); this also drops anything that looks like a URL, an address, a bearer token
 * or a key, in case an upstream echoed one, and bounds the length.
 */
export function safeMessage(message: string): string {
  const cleaned = message
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "<url>")
    .replace(/\bbearer\s+\S+/gi, "Bearer <redacted>")
    .replace(/\b(?:sk|pk|rk|key|api[-_]?key)[-_][\w.*-]{6,}/gi, "<redacted>")
    .replace(/[\w-]{32,}/g, "<redacted>")
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, "<address>");
  return cleaned.length > MAX_MESSAGE_LENGTH ? `${cleaned.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : cleaned;
}
