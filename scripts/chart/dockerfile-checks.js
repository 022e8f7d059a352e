// Static checks of the Dockerfile and .dockerignore (no Docker engine is needed): the base image is a Node LTS line,
// the image runs as a numeric non-root user, its entrypoint runs every service and only those, each path it copies
// exists and reaches the build context, and the workspace manifests npm ci needs are all in the context.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A .dockerignore pattern as a RegExp over slash-separated paths relative to the context. */
function patternRegExp(pattern) {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === "*" && pattern[i + 1] === "*") {
      source += ".*";
      i++;
      if (pattern[i + 1] === "/") i++;
    } else if (ch === "*") source += "[^/]*";
    else if (ch === "?") source += "[^/]";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** Whether .dockerignore keeps `path` out of the build context (the last matching rule wins, as in Docker). */
export function isIgnored(rules, path) {
  const parts = path.split("/");
  let ignored = false;
  for (const { negate, regexp } of rules) {
    for (let i = 1; i <= parts.length; i++) {
      if (regexp.test(parts.slice(0, i).join("/"))) {
        ignored = !negate;
        break;
      }
    }
  }
  return ignored;
}

function readRules(root) {
  return readFileSync(join(root, ".dockerignore"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      return { negate, regexp: patternRegExp((negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, "")) };
    });
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(text) {
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
}

/** Every problem found; empty when the Dockerfile and .dockerignore are consistent with the repository at `root`. */
export function checkDockerfile(root) {
  const problems = [];
  const text = readFileSync(join(root, "Dockerfile"), "utf8");
  const lines = instructions(text);
  const rules = readRules(root);
  if (!text.startsWith("# syntax=docker/dockerfile:1")) problems.push("Dockerfile: first line must pin the syntax");

  const nodeArg = /^ARG NODE_VERSION=(\d+)$/m.exec(lines.join("\n"));
  const major = Number(nodeArg?.[1]);
  const engines = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).engines?.node ?? "";
  const minimum = Number(/(\d+)/.exec(engines)?.[1] ?? 0);
  if (!nodeArg || major % 2 !== 0 || major < minimum) {
    problems.push(`Dockerfile: ARG NODE_VERSION must be an even (LTS) major >= ${minimum}`);
  }
  const stages = [];
  for (const line of lines.filter((l) => l.startsWith("FROM "))) {
    const [, image, , alias] = line.split(/\s+/);
    if (!stages.includes(image) && !/^node:\$\{NODE_VERSION\}-[a-z]+-slim$/.test(image)) {
      problems.push(`Dockerfile: ${line}: expected node:\${NODE_VERSION}-<debian>-slim`);
    }
    if (alias) stages.push(alias);
  }
  const final = lines.slice(lines.findLastIndex((l) => l.startsWith("FROM ")));
  const user = final.find((l) => l.startsWith("USER "))?.split(/\s+/)[1] ?? "";
  if (!/^[1-9]\d*(:\d+)?$/.test(user)) problems.push(`Dockerfile: the final stage must set a numeric non-root USER`);
  if (!final.some((l) => l === 'ENTRYPOINT ["node", "scripts/serve.js"]')) {
    problems.push('Dockerfile: expected ENTRYPOINT ["node", "scripts/serve.js"]');
  }

  for (const line of lines.filter((l) => l.startsWith("COPY ") && !l.includes("--from="))) {
    const sources = line.split(/\s+/).slice(1, -1);
    for (const source of sources.map((s) => s.replace(/\/$/, ""))) {
      if (source === ".") continue;
      if (!existsSync(join(root, source))) problems.push(`Dockerfile: ${line}: ${source} does not exist`);
      else if (isIgnored(rules, source)) problems.push(`Dockerfile: ${line}: .dockerignore excludes ${source}`);
    }
  }

  const services = readdirSync(join(root, "services")).filter((s) =>
    existsSync(join(root, "services", s, "src", "main.ts")),
  );
  const serve = readFileSync(join(root, "scripts", "serve.js"), "utf8");
  const listed = JSON.parse(/SERVICES = (\[[^\]]*\])/.exec(serve)?.[1] ?? "[]");
  if ([...listed].sort().join() !== [...services].sort().join()) {
    problems.push(`scripts/serve.js: SERVICES ${listed.join(",")} differ from services/ ${services.join(",")}`);
  }
  const joined = lines.join("\n");
  for (const service of services) {
    if (!joined.includes(`tsc -b`) || !new RegExp(`tsc -b[^\\n]*services/${service}(\\s|$)`).test(joined)) {
      problems.push(`Dockerfile: tsc -b does not build services/${service}`);
    }
    if (!new RegExp(`--workspace services/${service}(\\s|$)`).test(joined)) {
      problems.push(`Dockerfile: the production npm ci does not install services/${service}`);
    }
  }
  if (!/npm ci --omit=dev/.test(joined)) problems.push("Dockerfile: no production-only npm ci");

  const { workspaces = [] } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  for (const ws of workspaces) {
    const manifest = `${ws}/package.json`;
    if (isIgnored(rules, manifest)) problems.push(`.dockerignore excludes ${manifest}, which npm ci needs`);
    const copied =
      /^(packages|services)\/[^/]+$/.test(ws) || new RegExp(`cp --parents [^\\n]*${manifest}`).test(joined);
    if (!copied) problems.push(`Dockerfile: the manifests stage does not copy ${manifest}`);
  }
  for (const path of ["node_modules", "services/router/dist", "packages/runtime/node_modules", ".git"]) {
    if (!isIgnored(rules, path)) problems.push(`.dockerignore: ${path} reaches the build context`);
  }
  for (const path of ["scripts/serve.js", "package-lock.json", "services/router/src/main.ts", "tsconfig.base.json"]) {
    if (isIgnored(rules, path)) problems.push(`.dockerignore: excludes ${path}, which the build needs`);
  }
  return problems;
}
