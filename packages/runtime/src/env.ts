import { GatewayError } from "./errors.js";

/** Reads a required environment variable, failing with its name. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`environment variable ${name} is required`);
  return value;
}

/** Reads an integer environment variable within bounds, failing with its name and the bounds. */
export function intEnv(name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`environment variable ${name}: expected an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

export { GatewayError };
