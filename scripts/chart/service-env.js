// The contract between the chart and the services: each rendered Deployment's environment (and the rendered gateway
// config) must be accepted by that service's own settings reader (services/<name>/dist/config.js, the code main.ts
// runs at start), so a renamed variable or a config the loader warns about fails here rather than in a cluster.
// Needs the compiled services (`npm run build`; CI's typecheck step builds them).

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe } from "./manifests.js";

const COMPONENT = "app.kubernetes.io/component";
/** A stand-in for every value read from a Secret: long enough for the key-hash secret's minimum. */
const SECRET = "s".repeat(48);

/** The compiled settings readers, or undefined when the services are not built. */
export function builtReaders(root) {
  const files = ["ingress", "router", "policy", "provider-worker", "metering"].map((name) =>
    join(root, "services", name, "dist", "config.js"),
  );
  const usage = join(root, "packages", "usage", "dist", "index.js");
  return [...files, usage].every((f) => existsSync(f)) ? { root, usage } : undefined;
}

/** Variables naming files the chart mounts from Secrets; the services read them at start. */
const MOUNTED_FILES = ["SWITCHYARD_NATS_TLS_CERT", "SWITCHYARD_NATS_TLS_KEY"];

/**
 * The environment a container would see, with Secret and field references replaced by stand-ins, and files mounted
 * from Secrets by stand-in files in `dir`.
 */
function containerEnv(container, configPath, dir) {
  const env = { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" };
  for (const e of container.env ?? []) {
    env[e.name] = e.value ?? (e.valueFrom?.secretKeyRef ? SECRET : "stand-in");
    if (MOUNTED_FILES.includes(e.name)) {
      const mounted = (container.volumeMounts ?? []).some((m) => e.value?.startsWith(`${m.mountPath}/`));
      if (!mounted) continue; // left as rendered: the reader reports the missing file
      const file = join(dir, e.name);
      writeFileSync(file, "stand-in");
      env[e.name] = file;
    }
  }
  env.SWITCHYARD_CONFIG = configPath;
  return env;
}

/** Every problem a service's settings reader reports for its rendered environment and the rendered config. */
export async function checkServiceEnv(docs, readers) {
  const problems = [];
  const config = docs.find((d) => d.kind === "ConfigMap" && d.data?.["config.yaml"] !== undefined);
  if (!config) return ["no ConfigMap with config.yaml"];
  const dir = mkdtempSync(join(tmpdir(), "switchyard-chart-"));
  try {
    const configPath = join(dir, "config.yaml");
    writeFileSync(configPath, config.data["config.yaml"]);
    const { readUsagePublisherEnv } = await import(pathToFileURL(readers.usage).href);
    const warned = new Set();
    for (const deployment of docs.filter((d) => d.kind === "Deployment")) {
      const component = deployment.spec.template.metadata.labels[COMPONENT];
      const file = join(readers.root, "services", component, "dist", "config.js");
      const { readSettings } = await import(pathToFileURL(file).href);
      const env = containerEnv(deployment.spec.template.spec.containers[0], configPath, dir);
      try {
        const settings = readSettings(env);
        for (const warning of settings.config?.warnings ?? []) {
          const text = JSON.stringify(warning);
          if (!warned.has(text)) problems.push(`config: ${text}`);
          warned.add(text);
        }
        if (component === "provider-worker" && env.SWITCHYARD_NATS_URL) readUsagePublisherEnv(env);
      } catch (err) {
        problems.push(`${describe(deployment)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}
