// Offline validation of rendered Kubernetes manifests, without a cluster:
//   1. kubernetes-models (and its Gateway API and Prometheus Operator packages) validate every object against the
//      JSON schemas of its API: types, required fields, enums, formats.
//   2. @kubernetes/client-node's typed models list every field of the built-in kinds, so a field the API does not
//      have (a misspelt `securityContex`) is reported, as `kubectl apply --validate=strict` and helm's client-side
//      validation would. Custom resources (HTTPRoute, GRPCRoute, ServiceMonitor) get step 1 only: the client has no
//      models of them.

import * as k8s from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";

/** client-node's typed models by class name (V1Deployment, V1PodSpec, ...). */
const CLIENT_MODELS = new Map(
  Object.entries(k8s).filter(([, value]) => typeof value?.getAttributeTypeMap === "function"),
);

/** Every non-empty YAML document of `text`, as plain objects; throws on YAML errors. */
export function parseManifests(text) {
  const docs = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) docs.push(value);
  }
  return docs;
}

/** The module that holds the kubernetes-models class of an apiVersion and kind. */
function modelModule(apiVersion, kind) {
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  if (group === "gateway.networking.k8s.io") return `@kubernetes-models/gateway-api/${apiVersion}/${kind}`;
  if (group === "monitoring.coreos.com") return `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

const models = new Map();

async function modelClass(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!models.has(key)) {
    let cls;
    try {
      cls = (await import(modelModule(apiVersion, kind)))[kind];
    } catch {
      cls = undefined;
    }
    models.set(key, cls);
  }
  return models.get(key);
}

/** The client-node model name of a built-in kind (`apps/v1` Deployment: V1Deployment), or undefined. */
function clientModel(apiVersion, kind) {
  const version = apiVersion.split("/").pop() ?? "";
  const name = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  return CLIENT_MODELS.has(name) ? name : undefined;
}

/** Appends to `out` every field of `value` that the client-node type `type` does not declare. */
function unknownFields(value, type, path, out) {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return;
    for (const [i, item] of value.entries()) unknownFields(item, array[1], `${path}[${i}]`, out);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === "object")
      for (const [k, v] of Object.entries(value)) unknownFields(v, map[1], `${path}.${k}`, out);
    return;
  }
  const cls = CLIENT_MODELS.get(type);
  if (!cls || typeof value !== "object" || Array.isArray(value)) return;
  const fields = new Map(cls.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [key, child] of Object.entries(value)) {
    const childType = fields.get(key);
    if (childType === undefined) out.push(`${path}.${key}: unknown field`);
    else unknownFields(child, childType, `${path}.${key}`, out);
  }
}

/** A short name for messages: `Deployment/sy-router`. */
export function describe(doc) {
  return `${doc?.kind ?? "?"}/${doc?.metadata?.name ?? "?"}`;
}

/**
 * The problems of one manifest against its API's schema (empty when valid). An apiVersion and kind without a known
 * schema is a problem too, so nothing passes unchecked.
 */
export async function validateManifest(doc) {
  const name = describe(doc);
  if (typeof doc?.apiVersion !== "string" || typeof doc?.kind !== "string") return [`${name}: no apiVersion or kind`];
  const cls = await modelClass(doc.apiVersion, doc.kind);
  if (!cls) return [`${name}: no schema for ${doc.apiVersion} ${doc.kind}`];
  const problems = [];
  try {
    new cls(doc).validate();
  } catch (err) {
    const errors = err?.errors ?? [{ instancePath: "", message: String(err?.message ?? err) }];
    for (const e of errors) problems.push(`${name}: ${e.instancePath || "/"} ${e.message}`);
  }
  const client = clientModel(doc.apiVersion, doc.kind);
  if (client) {
    const unknown = [];
    unknownFields(doc, client, "", unknown);
    for (const u of unknown) problems.push(`${name}: ${u}`);
  }
  return problems;
}
