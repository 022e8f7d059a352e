// One `model_list` entry: `model_name`, `litellm_params` (with the model string), `model_info`, and the
// `rpm`/`tpm` LiteLLM also accepts beside `litellm_params`.
import { type Context, fail, warn } from "./context.js";
import { readParamFields } from "./litellm-params.js";
import { keyPath } from "./paths.js";
import { type ModelRoute, routeModel, routeProvider } from "./providers.js";
import { checkKeys, ENTRY_KEYS } from "./sections.js";
import type { Deployment } from "./types.js";
import {
  checkJson,
  describe,
  field,
  isMap,
  isSet,
  readInteger,
  readMap,
  readRequiredText,
  readText,
  withoutUndefined,
  type YamlMap,
} from "./values.js";

/** A read `model_list` entry: a deployment still without its id, or one skipped for an unsupported provider. */
export type Entry =
  | {
      readonly kind: "kept";
      readonly modelName: string;
      /** `model_info.id` when given. */
      readonly explicitId: string | undefined;
      readonly deployment: Omit<Deployment, "id">;
    }
  | { readonly kind: "skipped"; readonly modelName: string };

type Adapter = Extract<ModelRoute, { kind: "adapter" }>;
type Routed = { readonly route: Exclude<ModelRoute, { kind: "invalid" }>; readonly path: string };

/** Resolves the provider from `custom_llm_provider` when set, else from the model string. */
function readRoute(ctx: Context, params: YamlMap, path: string): Routed | undefined {
  const modelPath = keyPath(path, "model");
  const model = readRequiredText(ctx, field(params, "model"), modelPath)?.trim();
  const customRaw = field(params, "custom_llm_provider");
  const customPath = keyPath(path, "custom_llm_provider");
  const custom = isSet(customRaw) ? readText(ctx, customRaw, customPath)?.trim() : undefined;
  if (model === undefined || (isSet(customRaw) && custom === undefined)) return undefined;
  const at = custom === undefined ? modelPath : customPath;
  const route =
    custom === undefined
      ? routeModel(model)
      : routeProvider(custom, model.startsWith(`${custom}/`) ? model.slice(custom.length + 1) : model);
  return route.kind === "invalid" ? fail(ctx, at, route.reason) : { route, path: at };
}

/** `rpm`/`tpm` beside `litellm_params`; LiteLLM reads this one first, so it wins over the inner one. */
function readOuterLimit(ctx: Context, entry: YamlMap, path: string, key: string, inner: number | undefined) {
  const raw = field(entry, key);
  if (!isSet(raw)) return inner;
  const at = keyPath(path, key);
  const outer = readInteger(ctx, raw, at);
  if (outer !== undefined && inner !== undefined && outer !== inner) {
    warn(ctx, at, `overrides litellm_params.${key} (${inner}), as in LiteLLM`);
  }
  return outer ?? inner;
}

function readModelInfo(ctx: Context, raw: unknown, path: string): { info: YamlMap; id: string | undefined } {
  const info = readMap(ctx, raw, path) ?? {};
  checkJson(ctx, info, path);
  const rawId = field(info, "id");
  const idPath = keyPath(path, "id");
  const id =
    typeof rawId === "number" && Number.isSafeInteger(rawId) ? String(rawId) : readText(ctx, rawId, idPath, false);
  return { info: { ...info }, id };
}

function readKept(ctx: Context, entry: YamlMap, params: YamlMap, path: string, name: string, route: Adapter): Entry {
  const fields = readParamFields(ctx, params, keyPath(path, "litellm_params"), route.provider);
  const { info, id } = readModelInfo(ctx, field(entry, "model_info"), keyPath(path, "model_info"));
  const deployment = withoutUndefined({
    modelName: name,
    provider: route.provider,
    model: route.model,
    ...fields,
    rpm: readOuterLimit(ctx, entry, path, "rpm", fields.rpm),
    tpm: readOuterLimit(ctx, entry, path, "tpm", fields.tpm),
    modelInfo: info,
    source: path,
  });
  return { kind: "kept", modelName: name, explicitId: id, deployment };
}

/**
 * Reads the `model_list` entry at `path`. A provider Switchyard lacks gives one warning and a skipped entry;
 * invalid fields are reported on the context and give undefined.
 */
export function readEntry(ctx: Context, raw: unknown, path: string): Entry | undefined {
  if (!isMap(raw)) return fail(ctx, path, `expected a map with model_name and litellm_params, got ${describe(raw)}`);
  checkKeys(ctx, raw, path, ENTRY_KEYS);
  const modelName = readRequiredText(ctx, field(raw, "model_name"), keyPath(path, "model_name"), false);
  const paramsPath = keyPath(path, "litellm_params");
  const rawParams = field(raw, "litellm_params");
  const params = isSet(rawParams)
    ? readMap(ctx, rawParams, paramsPath)
    : fail(ctx, paramsPath, "missing; expected a map with at least model");
  const routed = params === undefined ? undefined : readRoute(ctx, params, paramsPath);
  if (modelName === undefined || params === undefined || routed === undefined) return undefined;
  const { route } = routed;
  if (route.kind === "adapter") return readKept(ctx, raw, params, path, modelName, route);
  const why =
    route.inferredFrom === undefined ? "" : ` (LiteLLM resolves ${describe(route.inferredFrom)} to ${route.provider})`;
  warn(ctx, routed.path, `provider "${route.provider}" is not supported yet; deployment skipped${why}`);
  return { kind: "skipped", modelName };
}
