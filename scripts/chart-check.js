// Checks the Kubernetes packaging offline (CI runs it in the `== chart` step of .ci/run):
//   - `helm lint --strict` and `helm template` of charts/switchyard with Helm 4 and Helm 3, for the minimal and HA
//     example values, a CI value set with every optional feature on and one without NATS and ClickHouse;
//   - every rendered manifest against the Kubernetes JSON schemas (unknown fields included; scripts/chart/manifests.js)
//     and the release rules of scripts/chart/release-checks.js (security defaults, NetworkPolicies, RBAC, wiring);
//   - that each service's own settings reader accepts its rendered environment and the rendered gateway config
//     (scripts/chart/service-env.js; needs the compiled services, which CI's typecheck step builds);
//   - that mistyped or contradictory values fail the install, through values.schema.json or the chart's own checks;
//   - that the Dockerfile and .dockerignore are consistent with the repository (scripts/chart/dockerfile-checks.js),
//     and that the NATS and ClickHouse manifests of deploy/dev are valid.
//
//   node scripts/chart-check.js        (npm run chart:check)

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { checkDockerfile } from "./chart/dockerfile-checks.js";
import { parseManifests, validateManifest } from "./chart/manifests.js";
import { checkRelease } from "./chart/release-checks.js";
import { builtReaders, checkServiceEnv } from "./chart/service-env.js";
import { runHelm } from "./helm.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const CHART = "charts/switchyard";
const NAMESPACE = "switchyard";
/** The value sets every check runs on. */
const VALUE_SETS = {
  minimal: `${CHART}/examples/minimal.yaml`,
  ha: `${CHART}/examples/ha.yaml`,
  everything: `${CHART}/ci/everything-values.yaml`,
  "no-NATS": `${CHART}/ci/no-nats-values.yaml`,
};
const KUBE_VERSION = "1.33.0";

/** Renders the chart; fails the test with helm's message when helm fails. */
function render(major, valuesFile) {
  const args = ["template", "sy", CHART, "-n", NAMESPACE, "--kube-version", KUBE_VERSION, "-f", valuesFile];
  const result = runHelm(args, { major });
  assert.equal(result.status, 0, `helm ${major} template -f ${valuesFile} failed:\n${result.stderr}`);
  return result.stdout;
}

for (const major of [4, 3]) {
  for (const [name, file] of Object.entries(VALUE_SETS)) {
    test(`helm ${major}: lint --strict with ${name} values`, () => {
      const result = runHelm(["lint", "--strict", CHART, "-f", file], { major });
      assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    });
  }
}

for (const [name, file] of Object.entries(VALUE_SETS)) {
  test(`${name} values: every manifest is valid and the release is secure and wired`, async () => {
    const rendered = render(4, file);
    assert.equal(render(3, file), rendered, "helm 3 and helm 4 render differently");
    const docs = parseManifests(rendered);
    const problems = [];
    for (const doc of docs) problems.push(...(await validateManifest(doc)));
    problems.push(...checkRelease(docs));
    assert.deepEqual(problems, []);
    const kinds = new Set(docs.map((d) => d.kind));
    for (const kind of ["Deployment", "Service", "ServiceAccount", "PodDisruptionBudget", "NetworkPolicy", "Role"]) {
      assert.ok(kinds.has(kind), `no ${kind} rendered`);
    }
  });
}

const readers = builtReaders(root);
for (const [name, file] of Object.entries(VALUE_SETS)) {
  const skip = readers ? false : "the services are not compiled: run npm run build first";
  test(`${name} values: every service accepts its rendered environment and config`, { skip }, async () => {
    assert.deepEqual(await checkServiceEnv(parseManifests(render(4, file)), readers), []);
  });
}

test("everything values: every optional resource renders", () => {
  const docs = parseManifests(render(4, VALUE_SETS.everything));
  const kinds = docs.map((d) => d.kind);
  const optional = ["Ingress", "HTTPRoute", "GRPCRoute", "ServiceMonitor", "PrometheusRule", "HorizontalPodAutoscaler"];
  for (const kind of [...optional, "Pod"]) {
    assert.ok(kinds.includes(kind), `no ${kind} rendered`);
  }
  const pools = docs.filter((d) => d.kind === "Deployment" && d.metadata.labels["switchyard/worker-pool"]);
  assert.deepEqual(pools.map((d) => d.metadata.labels["switchyard/worker-pool"]).sort(), ["bedrock", "general"]);
});

test("every service that reaches NATS signs in with the credentials of nats.auth, from the Secret", () => {
  const docs = parseManifests(render(4, VALUE_SETS.everything));
  const deployments = docs.filter((d) => d.kind === "Deployment");
  const withNats = deployments.filter((d) =>
    d.spec.template.spec.containers[0].env.some((e) => e.name === "SWITCHYARD_NATS_URL"),
  );
  assert.ok(withNats.length >= 4, "policy, metering and the worker pools reach NATS");
  for (const d of withNats) {
    const env = Object.fromEntries(d.spec.template.spec.containers[0].env.map((e) => [e.name, e]));
    assert.deepEqual(env.SWITCHYARD_NATS_USER?.valueFrom, { secretKeyRef: { name: "nats-credentials", key: "user" } });
    assert.deepEqual(env.SWITCHYARD_NATS_PASSWORD?.valueFrom, {
      secretKeyRef: { name: "nats-credentials", key: "password" },
    });
    assert.equal(env.SWITCHYARD_NATS_TOKEN, undefined, d.metadata.name);
  }
  /** The Deployments of the minimal values with `set`. */
  const deploymentsWith = (set) =>
    parseManifests(
      runHelm(["template", "sy", CHART, "-f", VALUE_SETS.minimal, "--set", set], { major: 4 }).stdout,
    ).filter((d) => d.kind === "Deployment");
  const token = deploymentsWith("nats.auth.existingSecret=n,nats.auth.tokenKey=t");
  const names = token.flatMap((d) => d.spec.template.spec.containers[0].env.map((e) => e.name));
  assert.ok(names.includes("SWITCHYARD_NATS_TOKEN") && !names.includes("SWITCHYARD_NATS_USER"));
  const creds = deploymentsWith("nats.auth.existingSecret=n,nats.auth.credsKey=c");
  for (const d of creds) {
    const pod = d.spec.template.spec;
    const env = pod.containers[0].env;
    if (!env.some((e) => e.name === "SWITCHYARD_NATS_URL")) {
      assert.ok(!pod.volumes.some((v) => v.name === "nats-creds"), `${d.metadata.name} does not reach NATS`);
      continue;
    }
    assert.equal(env.find((e) => e.name === "SWITCHYARD_NATS_CREDS")?.value, "/etc/switchyard/nats/user.creds");
    assert.deepEqual(pod.volumes.find((v) => v.name === "nats-creds")?.secret, {
      secretName: "n",
      items: [{ key: "c", path: "user.creds" }],
    });
    assert.ok(
      pod.containers[0].volumeMounts.some((m) => m.name === "nats-creds" && m.mountPath === "/etc/switchyard/nats"),
    );
  }
});

test("every service that reaches NATS presents the client certificate of nats.tls, mounted from its Secret", () => {
  const deployments = parseManifests(render(4, VALUE_SETS.everything)).filter((d) => d.kind === "Deployment");
  let reaching = 0;
  for (const d of deployments) {
    const pod = d.spec.template.spec;
    const env = Object.fromEntries(pod.containers[0].env.map((e) => [e.name, e.value]));
    const volume = pod.volumes.find((v) => v.name === "nats-tls");
    if (!env.SWITCHYARD_NATS_URL) {
      assert.equal(volume, undefined, `${d.metadata.name} does not reach NATS`);
      assert.equal(env.SWITCHYARD_NATS_TLS_CERT, undefined, d.metadata.name);
      continue;
    }
    reaching++;
    assert.equal(env.SWITCHYARD_NATS_TLS_CERT, "/etc/switchyard/nats-tls/tls.crt", d.metadata.name);
    assert.equal(env.SWITCHYARD_NATS_TLS_KEY, "/etc/switchyard/nats-tls/tls.key", d.metadata.name);
    assert.deepEqual(volume?.secret, {
      secretName: "nats-client-tls",
      items: [
        { key: "tls.crt", path: "tls.crt" },
        { key: "tls.key", path: "tls.key" },
      ],
    });
    const mount = pod.containers[0].volumeMounts.find((m) => m.name === "nats-tls");
    assert.deepEqual(mount, { name: "nats-tls", mountPath: "/etc/switchyard/nats-tls", readOnly: true });
  }
  assert.ok(reaching >= 4, "policy, metering and the worker pools reach NATS");
});

test("a pool inherits poolDefaults key by key, and its own false values win", () => {
  const docs = parseManifests(render(4, VALUE_SETS.everything));
  const byName = (name) => docs.find((d) => d.kind === "Deployment" && d.metadata.name === `sy-gateway-worker-${name}`);
  const hpas = docs.filter((d) => d.kind === "HorizontalPodAutoscaler").map((d) => d.spec.scaleTargetRef.name);
  assert.ok(hpas.includes("sy-gateway-worker-general"), "the general pool inherits autoscaling");
  assert.ok(!hpas.includes("sy-gateway-worker-bedrock"), "the bedrock pool turned autoscaling off");
  assert.equal(byName("bedrock").spec.replicas, 2);
  const env = byName("bedrock").spec.template.spec.containers[0].env.map((e) => e.name);
  assert.ok(env.includes("AWS_REGION") && env.includes("SWITCHYARD_NATS_URL"));
});

test("the PrometheusRule holds the example alerts of deploy/prometheus/alerts.yaml, less the disabled ones", () => {
  const example = readFileSync(join(root, "deploy/prometheus/alerts.yaml"), "utf8");
  assert.equal(
    readFileSync(join(root, CHART, "files/prometheus-alerts.yaml"), "utf8"),
    example,
    "charts/switchyard/files/prometheus-alerts.yaml must be a copy of deploy/prometheus/alerts.yaml",
  );
  const rule = parseManifests(render(4, VALUE_SETS.everything)).find((d) => d.kind === "PrometheusRule");
  const names = (groups) => groups.flatMap((g) => g.rules.map((r) => r.alert));
  const expected = names(parseYaml(example).groups).filter((name) => name !== "SwitchyardSpendHigh");
  assert.deepEqual(names(rule.spec.groups), expected);
  const first = parseYaml(example).groups[0].rules[0];
  assert.deepEqual(rule.spec.groups[0].rules[0], first, "rules are rendered verbatim (templates in annotations kept)");
});

/** Values that must fail the render, with the text the error must contain. */
const MISTAKES = [
  { set: "nats.tls.existingSecret=t,nats.tls.keyKey=", error: "nats.tls: with existingSecret, set certKey and keyKey" },
  { set: "ingress.replica=2", error: "replica" },
  { set: "router.replicas=two", error: "replicas" },
  { set: "providerWorker.pools[0].nmae=general", error: "nmae" },
  { set: "providerWorker.pools[0].name=Bad_Name", error: "name" },
  { set: "networkPolicy.enable=false", error: "enable" },
  { set: "exposure.httpRoute.timeout.request=0s", error: "timeout" },
  { set: "ingress.service.type=Ingress", error: "type" },
  { set: "nats.url=http://nats:4222", error: "url" },
  { set: "nats.url=nats://user:secret@nats:4222", error: "url" },
  { set: "nats.auth.existingSecret=nats", error: "nats.auth: with existingSecret" },
  { set: "nats.auth.existingSecret=nats,nats.auth.tokenKey=t,nats.auth.userKey=u", error: "not both" },
  { set: "nats.auth.tokenKey=t", error: "nats.auth.existingSecret" },
  { set: "nats.auth.existingSecret=nats,nats.auth.userKey=u", error: "go together" },
  { set: "secrets.masterKey.existingSecret=", error: "secrets.masterKey.existingSecret" },
  { set: "secrets.keyHashSecret.existingSecret=", error: "secrets.keyHashSecret.existingSecret" },
  { set: "clickhouse.url=", error: "clickhouse.url" },
  { set: "providerWorker.pools[0].enabled=false", error: "providerWorker.defaultPool" },
  { set: "providerWorker.defaultPool=general", error: "providerWorker.defaultPool" },
  { set: "config.model_list[0].litellm_params.worker_pool=gpu", error: "worker_pool" },
  {
    set: "providerWorker.pools[1].name=x,providerWorker.pools[0].name=default,providerWorker.defaultPool=x",
    error: "named default",
  },
  { set: "router.autoscaling.enabled=true,router.autoscaling.inFlightPerPod.enabled=true", error: "metricName" },
];

for (const major of [4, 3]) {
  test(`helm ${major}: mistyped or contradictory values fail the install`, () => {
    for (const { set, error } of MISTAKES) {
      const args = ["template", "sy", CHART, "-f", VALUE_SETS.minimal, "--set", set];
      const result = runHelm(args, { major });
      assert.notEqual(result.status, 0, `--set ${set} rendered`);
      assert.ok(result.stderr.includes(error), `--set ${set}: expected "${error}" in:\n${result.stderr}`);
    }
  });
}

test("values.schema.json: every component and every pool take the same keys, all closed", () => {
  const schema = JSON.parse(readFileSync(join(root, CHART, "values.schema.json"), "utf8"));
  const component = Object.keys(schema.definitions.component.properties).sort();
  const pool = Object.keys(schema.definitions.workerPool.properties).filter((k) => k !== "name");
  assert.deepEqual(pool.sort(), component);
  for (const name of ["ingress", "router", "policy", "metering"]) {
    assert.equal(schema.properties[name].$ref, "#/definitions/component");
  }
  const open = [];
  const walk = (node, path) => {
    if (!node || typeof node !== "object") return;
    if (node.properties && node.additionalProperties !== false && path !== "/properties/config") open.push(path);
    for (const [key, child] of Object.entries(node)) walk(child, `${path}/${key}`);
  };
  walk(schema, "");
  assert.deepEqual(open, [], "objects with properties must be closed (additionalProperties: false)");
});

test("deploy/dev: the kind/minikube NATS and ClickHouse manifests are valid", async () => {
  for (const file of ["deploy/dev/nats.yaml", "deploy/dev/clickhouse.yaml"]) {
    const docs = parseManifests(readFileSync(join(root, file), "utf8"));
    assert.ok(docs.length >= 2, `${file}: expected a Service and a StatefulSet`);
    const problems = [];
    for (const doc of docs) problems.push(...(await validateManifest(doc)));
    assert.deepEqual(problems, [], file);
  }
});

test("Dockerfile and .dockerignore match the repository", () => {
  assert.deepEqual(checkDockerfile(root), []);
});
