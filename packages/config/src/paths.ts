// Config paths as users read them: `model_list[2].litellm_params.model`, `fallbacks[0]["gpt-3.5-turbo"][1]`.

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The path of `key` inside the map at `path`; keys that are not plain identifiers are quoted in brackets. */
export function keyPath(path: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** The path of item `index` inside the list at `path`. */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}
