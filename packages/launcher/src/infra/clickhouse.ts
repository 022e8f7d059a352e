import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freePorts } from "../ports.js";
import { dataDir, findBinary, type InfraProcess, startServer } from "./server.js";

/** Debian's package installs the default users (user `default`, no password, loopback only) here. */
const SYSTEM_USERS_XML = "/etc/clickhouse-server/users.xml";
/** Bytes for each of the two caches; the defaults assume a dedicated machine. */
const CACHE_BYTES = 268_435_456;

/** A running `clickhouse-server` on loopback; its data directory survives `restart()`. */
export interface ClickHouseServer extends InfraProcess {
  /** `http://127.0.0.1:<http port>`: the HTTP interface the clients use. */
  readonly url: string;
  readonly httpPort: number;
  /** Native protocol port. */
  readonly tcpPort: number;
  /** Freezes the server with SIGSTOP: connections stay open and queries hang, as on a stalled host. */
  pause(): void;
  /** Thaws a paused server with SIGCONT. */
  resume(): void;
}

/** Options of `startClickHouse`. */
export interface ClickHouseOptions {
  /** Data, temporary and config directory; a fresh temporary one (removed by `stop()`) when omitted. */
  readonly dir?: string;
}

/**
 * Starts `clickhouse-server` with a minimal config on two free loopback ports and resolves once `/ping` answers
 * `Ok.`. Throws with the last log lines if it exits or is not ready within 30 s; the process dies with this one.
 */
export async function startClickHouse(options: ClickHouseOptions = {}): Promise<ClickHouseServer> {
  const binary = findBinary("clickhouse-server");
  const [httpPort, tcpPort] = await freePorts(2);
  if (httpPort === undefined || tcpPort === undefined) throw new Error("expected two free ports for clickhouse-server");
  const data = await dataDir("clickhouse", options.dir);
  const config = join(data.dir, "config.xml");
  await writeConfig(data.dir, config, httpPort, tcpPort);
  const url = `http://127.0.0.1:${httpPort}`;
  const server = await startServer(
    {
      binary,
      args: [`--config-file=${config}`],
      healthUrl: `${url}/ping`,
      ready: (status, body) => status === 200 && body.trim() === "Ok.",
    },
    data,
    { url, httpPort, tcpPort },
  );
  return Object.assign(server, {
    pause: () => signal(server, "SIGSTOP"),
    resume: () => signal(server, "SIGCONT"),
  });
}

function signal(server: InfraProcess, name: NodeJS.Signals): void {
  process.kill(server.pid, name);
}

async function writeConfig(dir: string, config: string, httpPort: number, tcpPort: number): Promise<void> {
  for (const sub of ["data", "tmp", "user_files", "format_schemas"]) await mkdir(join(dir, sub), { recursive: true });
  const users = join(dir, "users.xml");
  await copyFile(SYSTEM_USERS_XML, users);
  // ClickHouse 18.16 (Debian's package) still uses the <yandex> root element.
  const xml = `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${join(dir, "data")}/</path>
  <tmp_path>${join(dir, "tmp")}/</tmp_path>
  <user_files_path>${join(dir, "user_files")}/</user_files_path>
  <format_schema_path>${join(dir, "format_schemas")}/</format_schema_path>
  <users_config>${users}</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>${CACHE_BYTES}</mark_cache_size>
  <uncompressed_cache_size>${CACHE_BYTES}</uncompressed_cache_size>
</yandex>
`;
  await writeFile(config, xml);
}
