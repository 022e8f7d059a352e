// The example Grafana dashboard and Prometheus alerts query only metrics the services really export: every metric
// name in them is registered somewhere in the services' sources (or is one of prom-client's process metrics).

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Every `name: "<metric>"` in the TypeScript sources of the packages and services. */
function registeredMetrics(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "node_modules" && entry.name !== "dist") walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".spec.ts")) {
        for (const m of readFileSync(path, "utf8").matchAll(/["'`]((?:gen_ai|switchyard)_[a-z0-9_]+)["'`]/g)) {
          names.add(m[1] as string);
        }
      }
    }
  };
  for (const group of ["packages", "services"]) walk(join(root, group));
  return names;
}

/** The metric names a PromQL text uses, without the histogram and counter series suffixes. */
function metricsIn(promql: string): string[] {
  return [...promql.matchAll(/\b((?:gen_ai|switchyard)_[a-z0-9_]+)\b/g)].map((m) =>
    (m[1] as string).replace(/_(bucket|count|sum)$/, ""),
  );
}

/** prom-client's default process and Node.js metrics, with the services' prefix. */
const DEFAULT_METRICS = /^switchyard_(process|nodejs)_/;

function unknown(expressions: string[]): string[] {
  const registered = registeredMetrics();
  const missing = new Set<string>();
  for (const expr of expressions) {
    for (const name of metricsIn(expr)) if (!registered.has(name) && !DEFAULT_METRICS.test(name)) missing.add(name);
  }
  return [...missing];
}

describe("example dashboards and alerts", () => {
  it("the Grafana dashboard is valid JSON whose panels query registered metrics", () => {
    const dashboard = JSON.parse(readFileSync(join(root, "deploy/grafana/switchyard.json"), "utf8")) as {
      uid: string;
      panels: { type: string; title: string; targets?: { expr: string }[] }[];
    };
    assert.equal(dashboard.uid, "switchyard");
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    assert.ok(queries.length > 20);
    for (const panel of dashboard.panels) {
      if (panel.type !== "row") assert.ok(panel.targets?.length, `panel "${panel.title}" has no query`);
    }
    assert.deepEqual(unknown(queries), []);
  });

  it("every alert has a meaning, a severity and queries registered metrics", () => {
    const rules = parse(readFileSync(join(root, "deploy/prometheus/alerts.yaml"), "utf8")) as {
      groups: { rules: { alert: string; expr: string; labels: { severity: string }; annotations: object }[] }[];
    };
    const all = rules.groups.flatMap((g) => g.rules);
    assert.ok(all.length >= 10);
    for (const rule of all) {
      assert.match(rule.labels.severity, /^(warning|critical)$/, rule.alert);
      assert.ok("summary" in rule.annotations && "description" in rule.annotations, rule.alert);
    }
    assert.deepEqual(unknown(all.map((r) => r.expr)), []);
    const documented = readFileSync(join(root, "docs/operations.md"), "utf8");
    for (const rule of all) assert.ok(documented.includes(rule.alert), `docs/operations.md explains ${rule.alert}`);
  });
});
