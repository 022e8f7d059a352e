import { freePorts } from "../ports.js";
import { dataDir, findBinary, type InfraProcess, startServer } from "./server.js";

/** A running `nats-server` with JetStream on loopback; its data directory survives `restart()`. */
export interface NatsServer extends InfraProcess {
  /** `nats://127.0.0.1:<port>` for the clients. */
  readonly url: string;
  readonly port: number;
  /** `http://127.0.0.1:<monitor port>`, serving `/healthz`, `/varz`, `/jsz`. */
  readonly monitorUrl: string;
}

/** Credentials every client must sign in with. */
export type NatsServerAuth = { readonly user: string; readonly pass: string } | { readonly token: string };

/** PEM files of a NATS server that speaks TLS only, and verifies every client's certificate against `ca`. */
export interface NatsServerTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** Options of `startNats`. */
export interface NatsOptions {
  /** JetStream store directory; a fresh temporary one (removed by `stop()`) when omitted. */
  readonly dir?: string;
  /** Require a user and password, or a token, of every client (open when omitted). */
  readonly auth?: NatsServerAuth;
  /** Require TLS with a client certificate (mutual TLS) of every client. */
  readonly tls?: NatsServerTls;
}

/**
 * Starts `nats-server -js` on two free loopback ports and resolves once `/healthz` answers ok (JetStream included).
 * Throws with the last log lines if it exits or is not ready within 30 s; the process dies with this one.
 */
export async function startNats(options: NatsOptions = {}): Promise<NatsServer> {
  const binary = findBinary("nats-server");
  const [port, monitorPort] = await freePorts(2);
  if (port === undefined || monitorPort === undefined) throw new Error("expected two free ports for nats-server");
  const data = await dataDir("nats", options.dir);
  const monitorUrl = `http://127.0.0.1:${monitorPort}`;
  const args = ["-js", "-a", "127.0.0.1", "-p", String(port), "-m", String(monitorPort), "-sd", data.dir];
  const { auth } = options;
  if (auth) args.push(...("token" in auth ? ["--auth", auth.token] : ["--user", auth.user, "--pass", auth.pass]));
  const { tls } = options;
  if (tls) args.push("--tlsverify", "--tlscert", tls.cert, "--tlskey", tls.key, "--tlscacert", tls.ca);
  return startServer({ binary, args, healthUrl: `${monitorUrl}/healthz`, ready: (status) => status === 200 }, data, {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorUrl,
  });
}
