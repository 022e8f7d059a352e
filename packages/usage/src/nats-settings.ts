// How every service reaches NATS, read from the environment in one place: the servers (`SWITCHYARD_NATS_URL`) and
// what a secured NATS asks of its clients: a user and password, a token, a credentials file (JWT and NKEY seed, as
// `nsc` and Synadia Cloud issue them), and TLS with a private CA or a client certificate.
//
// Credentials written into a URL (`nats://user:password@host:4222`, `nats://token@host:4222`, as the NATS CLI and
// the Go client take them) are moved out of the server list, which services log; no error message repeats a secret.
// A credentials file is read again at every (re)connect, so a rotated Kubernetes secret is picked up without a
// restart.

import { readFileSync } from "node:fs";
import { type ConnectionOptions, credsAuthenticator } from "@nats-io/transport-node";

/** The connection options that carry credentials and TLS settings; spread into `connect()`, never logged. */
export type NatsAuth = Pick<ConnectionOptions, "user" | "pass" | "token" | "authenticator" | "tls">;

/** Where NATS is and how to sign in. */
export interface NatsSettings {
  /** Server URLs without credentials: safe to log. Empty when `SWITCHYARD_NATS_URL` is unset. */
  readonly servers: string[];
  readonly auth: NatsAuth;
  /** How the client signs in, for logs: "none", "user", "token" or "creds"; plus "+tls" when TLS is configured. */
  readonly method: string;
}

const VARIABLE = "SWITCHYARD_NATS_URL";

/** A credential found in a URL, or set by variables. */
type Credential = { kind: "user"; user: string; pass: string } | { kind: "token"; token: string };

function sameCredential(a: Credential, b: Credential): boolean {
  return a.kind === "user" && b.kind === "user"
    ? a.user === b.user && a.pass === b.pass
    : a.kind === "token" && b.kind === "token" && a.token === b.token;
}

function decoded(part: string, what: string, index: number): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new Error(`environment variable ${VARIABLE}: the ${what} of URL ${index + 1} is not valid percent-encoding`);
  }
}

/** The servers without credentials, and the one credential they carry (every URL that has one must agree). */
function parseServers(raw: string): { servers: string[]; credential: Credential | undefined; tls: boolean } {
  const servers: string[] = [];
  let credential: Credential | undefined;
  let tls = false;
  const values = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  values.forEach((value, index) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== "nats:" && url.protocol !== "tls:") || url.hostname === "") {
      // The value may hold a password: name its position, not its text.
      throw new Error(`environment variable ${VARIABLE}: URL ${index + 1} is not a nats:// or tls:// URL with a host`);
    }
    if (url.pathname !== "" && url.pathname !== "/") {
      throw new Error(
        `environment variable ${VARIABLE}: URL ${index + 1} has a path; NATS URLs are scheme://host:port`,
      );
    }
    tls ||= url.protocol === "tls:";
    if (url.username !== "" || url.password !== "") {
      const found: Credential =
        url.password !== ""
          ? { kind: "user", user: decoded(url.username, "user", index), pass: decoded(url.password, "password", index) }
          : { kind: "token", token: decoded(url.username, "token", index) };
      if (credential && !sameCredential(credential, found)) {
        throw new Error(`environment variable ${VARIABLE}: the URLs carry different credentials; give all the same`);
      }
      credential = found;
    }
    servers.push(`${url.protocol}//${url.host}`);
  });
  return { servers, credential, tls };
}

/** Reads a file a variable names, failing with the variable and the reason (the path is not secret). */
function readNamed(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new Error(`environment variable ${variable}: cannot read "${path}" (${code})`);
  }
}

/** A credentials file's contents, re-read at every connect; the last good copy serves when a read fails. */
function credsSource(path: string, first: Uint8Array): () => Uint8Array {
  let last = first;
  return () => {
    try {
      last = readFileSync(path);
    } catch {
      // Mid-rotation or briefly unmounted: the previous copy is the best there is.
    }
    return last;
  };
}

/**
 * NATS settings from the environment: `SWITCHYARD_NATS_URL` (comma-separated nats:// or tls:// URLs, optionally
 * with `user:password@` or `token@`), or the credentials in `SWITCHYARD_NATS_USER` and `SWITCHYARD_NATS_PASSWORD`,
 * `SWITCHYARD_NATS_TOKEN` or `SWITCHYARD_NATS_CREDS` (a .creds file); TLS from `SWITCHYARD_NATS_TLS_CA` (CA file),
 * `SWITCHYARD_NATS_TLS_CERT` and `SWITCHYARD_NATS_TLS_KEY` (client certificate), required as soon as one is set or a
 * URL is tls://. Throws naming the variable at fault, never echoing a secret.
 */
export function readNatsSettings(env: NodeJS.ProcessEnv = process.env): NatsSettings {
  const { servers, credential: inUrl, tls: tlsUrl } = parseServers(env[VARIABLE] ?? "");
  const user = env.SWITCHYARD_NATS_USER ?? "";
  const pass = env.SWITCHYARD_NATS_PASSWORD ?? "";
  const token = env.SWITCHYARD_NATS_TOKEN ?? "";
  const creds = env.SWITCHYARD_NATS_CREDS ?? "";
  if ((user === "") !== (pass === "")) {
    throw new Error("environment variables SWITCHYARD_NATS_USER and SWITCHYARD_NATS_PASSWORD: set both or neither");
  }
  const methods = [
    inUrl ? `credentials in ${VARIABLE}` : "",
    user ? "SWITCHYARD_NATS_USER" : "",
    token ? "SWITCHYARD_NATS_TOKEN" : "",
    creds ? "SWITCHYARD_NATS_CREDS" : "",
  ].filter((m) => m !== "");
  if (methods.length > 1) {
    throw new Error(`NATS credentials: expected one way to sign in, got ${methods.join(" and ")}`);
  }
  const auth: NatsAuth = {};
  let method = "none";
  const credential: Credential | undefined =
    inUrl ?? (user ? { kind: "user", user, pass } : token ? { kind: "token", token } : undefined);
  if (credential?.kind === "user") {
    auth.user = credential.user;
    auth.pass = credential.pass;
    method = "user";
  } else if (credential?.kind === "token") {
    auth.token = credential.token;
    method = "token";
  } else if (creds) {
    const content = readNamed("SWITCHYARD_NATS_CREDS", creds);
    const text = content.toString("utf8");
    if (!/-----BEGIN NATS USER JWT-----/.test(text) || !/-----BEGIN USER NKEY SEED-----/.test(text)) {
      throw new Error(
        `environment variable SWITCHYARD_NATS_CREDS: "${creds}" is not a NATS credentials file (JWT and seed)`,
      );
    }
    auth.authenticator = credsAuthenticator(credsSource(creds, content));
    method = "creds";
  }
  const ca = env.SWITCHYARD_NATS_TLS_CA ?? "";
  const cert = env.SWITCHYARD_NATS_TLS_CERT ?? "";
  const key = env.SWITCHYARD_NATS_TLS_KEY ?? "";
  if ((cert === "") !== (key === "")) {
    throw new Error("environment variables SWITCHYARD_NATS_TLS_CERT and SWITCHYARD_NATS_TLS_KEY: set both or neither");
  }
  if (tlsUrl || ca || cert) {
    // Read now so a wrong path fails at startup, not at the first connect; the client reads them again itself.
    if (ca) readNamed("SWITCHYARD_NATS_TLS_CA", ca);
    if (cert) readNamed("SWITCHYARD_NATS_TLS_CERT", cert);
    if (key) readNamed("SWITCHYARD_NATS_TLS_KEY", key);
    auth.tls = { ...(ca ? { caFile: ca } : {}), ...(cert ? { certFile: cert, keyFile: key } : {}) };
    method += "+tls";
  }
  return { servers, auth, method };
}
