// What a rendered Switchyard release must satisfy beyond the Kubernetes schemas: secure pod defaults, probes and
// drain timing, NetworkPolicies that admit only each component's callers, the router's minimal RBAC, and wiring
// that holds together (Services select pods, addresses name real Services, the router watches every worker pool and
// finds each pool the config pins deployments to).

import { createHash } from "node:crypto";
import { parse } from "yaml";
import { describe } from "./manifests.js";

const COMPONENT = "app.kubernetes.io/component";
/** Who may call each internal component (the ingress takes outside traffic). */
const CALLERS = { router: "ingress", policy: "ingress", metering: "ingress", "provider-worker": "router" };

const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) && Object.keys(selector ?? {}).length > 0;

const envOf = (container) => Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));

function checkContainer(where, c, problems) {
  const sc = c.securityContext ?? {};
  if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation must be false`);
  if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem must be true`);
  if (sc.privileged === true) problems.push(`${where}: must not be privileged`);
  if (!sc.capabilities?.drop?.includes("ALL")) problems.push(`${where}: capabilities must drop ALL`);
  if (sc.capabilities?.add?.length) problems.push(`${where}: must add no capabilities`);
  if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) problems.push(`${where}: no cpu/memory requests`);
  if (!c.resources?.limits?.memory) problems.push(`${where}: no memory limit`);
  if (/:latest$/.test(c.image ?? "") || !/[:@]/.test(c.image ?? ""))
    problems.push(`${where}: image ${c.image} is unpinned`);
  const names = (c.env ?? []).map((e) => e.name);
  const dupes = names.filter((n, i) => names.indexOf(n) !== i);
  if (dupes.length) problems.push(`${where}: duplicate env ${dupes.join(", ")}`);
}

function checkPodSpec(where, spec, component, problems) {
  const psc = spec.securityContext ?? {};
  if (psc.runAsNonRoot !== true) problems.push(`${where}: pod runAsNonRoot must be true`);
  if (psc.seccompProfile?.type !== "RuntimeDefault") problems.push(`${where}: seccompProfile must be RuntimeDefault`);
  if (!(psc.runAsUser > 0)) problems.push(`${where}: runAsUser must be a non-root uid`);
  const wantToken = component === "router";
  if ((spec.automountServiceAccountToken === true) !== wantToken) {
    problems.push(`${where}: automountServiceAccountToken must be ${wantToken}`);
  }
  for (const c of spec.containers ?? []) checkContainer(`${where} container ${c.name}`, c, problems);
}

/** Probes on the real handlers, a preStop hook, and a grace period covering the preStop sleep and the drain. */
function checkLifecycle(where, spec, problems) {
  const c = spec.containers?.[0] ?? {};
  if (c.startupProbe?.httpGet?.path !== "/healthz") problems.push(`${where}: startupProbe must GET /healthz`);
  if (c.livenessProbe?.httpGet?.path !== "/healthz") problems.push(`${where}: livenessProbe must GET /healthz`);
  if (c.readinessProbe?.httpGet?.path !== "/readyz") problems.push(`${where}: readinessProbe must GET /readyz`);
  const preStop = c.lifecycle?.preStop?.sleep?.seconds;
  if (!(preStop >= 0)) problems.push(`${where}: no preStop sleep`);
  const env = envOf(c);
  const drainS =
    (Number(env.SWITCHYARD_DRAIN_DELAY_MS?.value ?? 0) + Number(env.SWITCHYARD_DRAIN_GRACE_MS?.value ?? 30000)) / 1000;
  if (!(spec.terminationGracePeriodSeconds >= (preStop ?? 0) + drainS)) {
    problems.push(`${where}: terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} < preStop + drain`);
  }
  for (const port of ["http", "grpc", "metrics"]) {
    const declared = c.ports?.find((p) => p.name === port)?.containerPort;
    const listens = Number(/:(\d+)$/.exec(env[`SWITCHYARD_${port.toUpperCase()}_ADDR`]?.value ?? "")?.[1]);
    if (declared === undefined || declared !== listens)
      problems.push(`${where}: ${port} port and listen address differ`);
  }
}

/** Resolves `name.namespace.svc:port` to a rendered Service port, or reports why not. */
function checkAddress(where, address, services, problems) {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc:(\d+)$/.exec(address ?? "");
  const svc = m && services.find((s) => s.metadata.name === m[1] && s.metadata.namespace === m[2]);
  if (!svc?.spec.ports?.some((p) => p.port === Number(m[3]) && p.name === "http")) {
    problems.push(`${where}: ${address} is no rendered Service's http port`);
  }
}

function checkNetworkPolicies(deployments, policies, problems) {
  for (const d of deployments) {
    const labels = d.spec.template.metadata.labels;
    const component = labels[COMPONENT];
    const policy = policies.find((p) => matches(p.spec.podSelector?.matchLabels, labels));
    if (!policy) {
      problems.push(`${describe(d)}: no NetworkPolicy selects its pods`);
      continue;
    }
    if (!policy.spec.policyTypes?.includes("Ingress")) problems.push(`${describe(policy)}: no Ingress policy type`);
    if (component === "ingress") continue;
    for (const rule of policy.spec.ingress ?? []) {
      const ports = (rule.ports ?? []).map((p) => p.port);
      if (!rule.from?.length) problems.push(`${describe(policy)}: a rule admits every source`);
      if (ports.length === 0) problems.push(`${describe(policy)}: a rule admits every port`);
      if (ports.includes("metrics")) continue;
      const callers = (rule.from ?? []).map((peer) => peer.podSelector?.matchLabels?.[COMPONENT]);
      if (callers.some((c) => c !== CALLERS[component]) || peerLeavesRelease(rule, labels)) {
        problems.push(
          `${describe(policy)}: admits ${callers.join(", ")}; only ${CALLERS[component]} calls ${component}`,
        );
      }
    }
  }
}

/** True when a rule's peers reach beyond the release's own pods (a namespaceSelector or another instance). */
function peerLeavesRelease(rule, labels) {
  return (rule.from ?? []).some(
    (peer) =>
      peer.namespaceSelector ||
      peer.ipBlock ||
      peer.podSelector?.matchLabels?.["app.kubernetes.io/instance"] !== labels["app.kubernetes.io/instance"],
  );
}

function checkRbac(docs, deployments, problems) {
  for (const doc of docs) {
    if (doc.kind === "ClusterRole" || doc.kind === "ClusterRoleBinding")
      problems.push(`${describe(doc)}: cluster-wide RBAC`);
    if (doc.kind === "Role") {
      const ok =
        doc.rules?.length === 1 &&
        doc.rules[0].apiGroups?.join() === "discovery.k8s.io" &&
        doc.rules[0].resources?.join() === "endpointslices" &&
        doc.rules[0].verbs?.every((v) => ["get", "list", "watch"].includes(v));
      if (!ok) problems.push(`${describe(doc)}: grants more than get/list/watch on endpointslices`);
    }
    if (doc.kind === "RoleBinding") {
      const router = deployments.find((d) => d.spec.template.metadata.labels[COMPONENT] === "router");
      const subject = doc.subjects?.[0]?.name;
      if (doc.subjects?.length !== 1 || subject !== router?.spec.template.spec.serviceAccountName) {
        problems.push(`${describe(doc)}: must bind only the router's service account`);
      }
    }
  }
}

const SLICES_ENV = /^SWITCHYARD_WORKER(?:_POOL_([A-Z0-9_]+))?_ENDPOINTSLICES$/;

/** The worker_pool names the rendered gateway config pins deployments to. */
function pinnedPools(docs) {
  const config = docs.find((d) => d.kind === "ConfigMap" && d.data?.["config.yaml"] !== undefined);
  const models = parse(config?.data["config.yaml"] ?? "")?.model_list ?? [];
  return new Set(models.map((m) => m?.litellm_params?.worker_pool).filter((p) => typeof p === "string"));
}

/**
 * The router watches the Service of each provider-worker pool (SWITCHYARD_WORKER_ENDPOINTSLICES for the default pool,
 * SWITCHYARD_WORKER_POOL_<NAME>_ENDPOINTSLICES for the others): each must name a rendered Service over exactly one
 * pool's Deployment, every pool must be watched, and every pool the config pins a deployment to must have a source.
 */
function checkWorkerDiscovery(docs, deployments, services, problems) {
  const router = deployments.find((d) => d.spec.template.metadata.labels[COMPONENT] === "router");
  if (!router) return;
  const workers = deployments.filter((d) => d.spec.template.metadata.labels[COMPONENT] === "provider-worker");
  const watched = new Set();
  const named = new Map();
  for (const env of router.spec.template.spec.containers[0].env ?? []) {
    const source = SLICES_ENV.exec(env.name);
    if (!source) continue;
    const m = /^([a-z0-9-]+)\/([a-z0-9-]+):([a-z0-9-]+)$/.exec(env.value ?? "");
    const svc = m && services.find((s) => s.metadata.namespace === m[1] && s.metadata.name === m[2]);
    if (!svc) {
      problems.push(`router: ${env.name}=${env.value} names no rendered Service`);
      continue;
    }
    if (!svc.spec.ports?.some((p) => p.name === m[3])) problems.push(`router: Service ${m[2]} has no port ${m[3]}`);
    const selected = workers.filter((w) => matches(svc.spec.selector, w.spec.template.metadata.labels));
    if (selected.length !== 1) problems.push(`router: ${env.name} selects ${selected.length} worker Deployments`);
    for (const w of selected) watched.add(w.metadata.name);
    const pool = selected[0]?.spec.template.metadata.labels["switchyard/worker-pool"];
    if (source[1] && pool) named.set(source[1], pool);
  }
  if (!router.spec.template.spec.containers[0].env?.some((e) => e.name === "SWITCHYARD_WORKER_ENDPOINTSLICES")) {
    problems.push("router: no SWITCHYARD_WORKER_ENDPOINTSLICES for the default pool");
  }
  if (workers.length === 0) problems.push("router: no provider-worker Deployment");
  for (const w of workers)
    if (!watched.has(w.metadata.name)) problems.push(`router: watches no Service of ${describe(w)}`);
  for (const pool of pinnedPools(docs)) {
    if (pool === "default") continue;
    const key = pool.toUpperCase().replaceAll("-", "_");
    if (named.get(key) !== pool) problems.push(`router: worker_pool ${pool} has no source over that pool's workers`);
  }
}

function checkWiring(docs, deployments, services, problems) {
  const pods = [...deployments.map((d) => d.spec.template), ...docs.filter((d) => d.kind === "Pod")];
  for (const svc of services) {
    const target = pods.find((p) => matches(svc.spec.selector, p.metadata.labels));
    if (!target) problems.push(`${describe(svc)}: selects no rendered pod`);
    for (const port of svc.spec.ports ?? []) {
      if (port.name === "grpc" && !port.appProtocol) problems.push(`${describe(svc)}: grpc port without appProtocol`);
      const named = target?.spec.containers?.some((c) => c.ports?.some((p) => p.name === port.targetPort));
      if (target && typeof port.targetPort === "string" && !named) {
        problems.push(`${describe(svc)}: targetPort ${port.targetPort} is no container port`);
      }
    }
  }
  for (const d of deployments) {
    const env = envOf(d.spec.template.spec.containers[0]);
    for (const name of ["SWITCHYARD_ROUTER_ADDR", "SWITCHYARD_POLICY_ADDR", "SWITCHYARD_METERING_ADDR"]) {
      if (env[name]) checkAddress(`${describe(d)} ${name}`, env[name].value, services, problems);
    }
  }
  for (const doc of docs) {
    if (doc.kind === "HorizontalPodAutoscaler") {
      const target = deployments.find((d) => d.metadata.name === doc.spec.scaleTargetRef?.name);
      if (!target) problems.push(`${describe(doc)}: scales no rendered Deployment`);
      else if (target.spec.replicas !== undefined) problems.push(`${describe(target)}: sets replicas under an HPA`);
    }
    if (doc.kind === "PodDisruptionBudget") {
      const selected = deployments.filter((d) =>
        matches(doc.spec.selector?.matchLabels, d.spec.template.metadata.labels),
      );
      if (selected.length !== 1) problems.push(`${describe(doc)}: selects ${selected.length} Deployments, expected 1`);
    }
  }
  checkWorkerDiscovery(docs, deployments, services, problems);
}

/** The config checksum annotation must be the hash of the rendered config, so a config change rolls the pods. */
function checkConfigChecksum(docs, deployments, problems) {
  const config = docs.find((d) => d.kind === "ConfigMap" && d.data?.["config.yaml"] !== undefined);
  if (!config) return void problems.push("no ConfigMap with config.yaml");
  const hash = createHash("sha256").update(config.data["config.yaml"].replace(/\n$/, "")).digest("hex");
  for (const d of deployments) {
    if (d.spec.template.metadata.annotations?.["checksum/config"] !== hash) {
      problems.push(`${describe(d)}: checksum/config is not the config's sha256`);
    }
  }
}

/** Every problem of a rendered release; `networkPolicies` says whether the values enabled them. */
export function checkRelease(docs, { networkPolicies = true } = {}) {
  const problems = [];
  const deployments = docs.filter((d) => d.kind === "Deployment");
  const services = docs.filter((d) => d.kind === "Service");
  for (const doc of docs) {
    if (doc.kind === "Secret") problems.push(`${describe(doc)}: the chart must never render a Secret`);
    if (doc.kind === "Deployment") {
      const spec = doc.spec.template.spec;
      checkPodSpec(describe(doc), spec, doc.spec.template.metadata.labels[COMPONENT], problems);
      checkLifecycle(describe(doc), spec, problems);
    }
    if (doc.kind === "Pod") {
      checkPodSpec(describe(doc), doc.spec, "test", problems);
      if (doc.metadata.annotations?.["helm.sh/hook"] !== "test") problems.push(`${describe(doc)}: not a test hook`);
    }
  }
  if (networkPolicies)
    checkNetworkPolicies(
      deployments,
      docs.filter((d) => d.kind === "NetworkPolicy"),
      problems,
    );
  checkRbac(docs, deployments, problems);
  checkWiring(docs, deployments, services, problems);
  checkConfigChecksum(docs, deployments, problems);
  return problems;
}
