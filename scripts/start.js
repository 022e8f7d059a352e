// `npm start`: runs the whole gateway locally (policy, provider-worker, router, ingress as separate processes) and
// prints how to call it. Settings come from the environment:
//
//   SWITCHYARD_CONFIG      YAML config (default config/switchyard.example.yaml)
//   SWITCHYARD_PORT        OpenAI-compatible REST port (default 4000)
//   SWITCHYARD_GRPC_PORT   gRPC port (default 4001)
//   SWITCHYARD_MASTER_KEY  admin key (default: general_settings.master_key of the config, else sk-switchyard-local)
//   SWITCHYARD_LOG_DIR     write service logs to <dir>/<service>.log instead of the terminal
//   LOG_LEVEL              service log level (default info)
//   SWITCHYARD_NATS_URL, SWITCHYARD_CLICKHOUSE_URL
//                          metering infrastructure; when unset, a local nats-server (JetStream) and
//                          clickhouse-server are started with their data under .switchyard/
//   SWITCHYARD_METERING=off  run without metering (no NATS or ClickHouse needed)
//   SWITCHYARD_KEY_HASH_SECRET
//                          HMAC key of stored virtual-key hashes (with metering, the policy keeps virtual keys in
//                          NATS); when unset, one is generated once into .switchyard/key-hash-secret (mode 0600)
//                          and reused, so keys keep working across restarts
//
// Ctrl-C or SIGTERM drains every service and exits 0; a second Ctrl-C kills them at once.

import { mkdir, open, readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import {
  formatLogLine,
  generateKeyHashSecret,
  isReady,
  KEY_HASH_SECRET_ENV,
  LABEL_COLORS,
  MeshStartError,
  PortInUseError,
  processLabel,
  startClickHouse,
  startMesh,
  startNats,
} from "../packages/launcher/dist/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const LOCAL_MASTER_KEY = "sk-switchyard-local";
const STOP_TIMEOUT_MS = 15_000;
const PORT_ENV = { restPort: "SWITCHYARD_PORT", grpcPort: "SWITCHYARD_GRPC_PORT" };
const color = process.stdout.isTTY === true && !process.env["NO_COLOR"];
const bold = (text) => (color ? `\u001b[1m${text}\u001b[0m` : text);
const dim = (text) => (color ? `\u001b[2m${text}\u001b[0m` : text);

class UsageError extends Error {}

function portFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${name}: expected a port number between 1 and 65535, got "${raw}"`);
  }
  return port;
}

/** The config's master key, resolving `os.environ/NAME`; `shown` is what the example curl prints for it. */
async function configMasterKey(configPath) {
  let text;
  try {
    text = await readFile(configPath, "utf8");
  } catch {
    throw new UsageError(`config file ${configPath} not found; set SWITCHYARD_CONFIG to the YAML config to run`);
  }
  const raw = parse(text)?.general_settings?.master_key;
  if (typeof raw !== "string" || raw === "") return undefined;
  const env = /^os\.environ\/(.+)$/.exec(raw)?.[1];
  if (env === undefined) return { key: raw, shown: raw };
  const value = process.env[env];
  return value ? { key: value, shown: `$${env}` } : undefined;
}

async function masterKey(configPath) {
  const fromEnv = process.env["SWITCHYARD_MASTER_KEY"];
  if (fromEnv) return { key: fromEnv, shown: "$SWITCHYARD_MASTER_KEY" };
  const fromConfig = await configMasterKey(configPath);
  if (fromConfig) return fromConfig;
  console.log(
    `${dim("No master key set (SWITCHYARD_MASTER_KEY, general_settings.master_key): using the local default")} ${LOCAL_MASTER_KEY}`,
  );
  return { key: LOCAL_MASTER_KEY, shown: LOCAL_MASTER_KEY };
}

const INSTALL_HINT = [
  "Metering needs nats-server and clickhouse-server. Install them with",
  "  sudo bash scripts/install-deps.sh      (Debian/Ubuntu: apt-get install -y nats-server clickhouse-server)",
  "or point Switchyard at running ones with SWITCHYARD_NATS_URL and SWITCHYARD_CLICKHOUSE_URL,",
  "or start without metering: SWITCHYARD_METERING=off npm start",
].join("\n");

/**
 * Where usage goes: the NATS and ClickHouse named in the environment, else local servers with their data under
 * .switchyard/ (kept between runs, so spend survives a restart). Returns the started servers to stop at exit.
 */
async function meteringInfra() {
  if (process.env["SWITCHYARD_METERING"] === "off") {
    console.log(dim("Metering is off (SWITCHYARD_METERING=off): no usage is recorded."));
    return { infra: undefined, servers: [] };
  }
  const natsUrl = process.env["SWITCHYARD_NATS_URL"];
  const clickhouseUrl = process.env["SWITCHYARD_CLICKHOUSE_URL"];
  const servers = [];
  try {
    const nats = natsUrl ? undefined : await startNats({ dir: resolve(root, ".switchyard", "nats") });
    if (nats) servers.push(nats);
    const clickhouse = clickhouseUrl
      ? undefined
      : await startClickHouse({ dir: resolve(root, ".switchyard", "clickhouse") });
    if (clickhouse) servers.push(clickhouse);
    const infra = { natsUrl: natsUrl || nats.url, clickhouseUrl: clickhouseUrl || clickhouse.url };
    // Credentials written into a URL (nats://user:password@host) stay off the terminal.
    const shown = (url) => url.replace(/\/\/[^/@,\s]*@/g, "//");
    console.log(dim(`Metering into NATS ${shown(infra.natsUrl)} and ClickHouse ${shown(infra.clickhouseUrl)}`));
    return { infra, servers };
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    if (err instanceof Error && /expected (nats-server|clickhouse-server)/.test(err.message)) {
      throw new UsageError(`${err.message}\n\n${INSTALL_HINT}`);
    }
    throw err;
  }
}

/**
 * The policy's key-hash secret: SWITCHYARD_KEY_HASH_SECRET, else the one in .switchyard/key-hash-secret, created
 * on first use with mode 0600. Keeping it is what keeps virtual keys valid across restarts: a new secret
 * invalidates every key.
 */
async function keyHashSecret() {
  const fromEnv = process.env[KEY_HASH_SECRET_ENV];
  if (fromEnv) return fromEnv;
  const path = resolve(root, ".switchyard", "key-hash-secret");
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    // "wx" creates the file only if it does not exist, so an existing secret is never overwritten.
    const file = await open(path, "wx", 0o600);
    try {
      await file.writeFile(`${generateKeyHashSecret()}\n`);
    } finally {
      await file.close();
    }
    console.log(dim(`Created ${path}: the secret behind virtual keys; keep it to keep your keys`));
  } catch (err) {
    if (err?.code !== "EEXIST") throw err;
  }
  if (((await stat(path)).mode & 0o077) !== 0) {
    console.log(dim(`Warning: ${path} is readable by other users; chmod 600 it`));
  }
  const secret = (await readFile(path, "utf8")).trim();
  if (secret.length < 32) {
    throw new UsageError(
      `${path}: expected a secret of at least 32 characters. Delete it to create a new one (existing virtual keys then stop working).`,
    );
  }
  return secret;
}

/** Prints each service line behind its name, aligned and coloured per process. */
function terminalLogger() {
  const width = processLabel("provider-worker", 0).length;
  const colors = new Map();
  return ({ name, index, line }) => {
    const label = processLabel(name, index);
    if (!colors.has(label)) colors.set(label, LABEL_COLORS[colors.size % LABEL_COLORS.length]);
    console.log(formatLogLine(label, line, { labelWidth: width, color, labelColor: colors.get(label) }));
  };
}

async function firstModel(restUrl, key) {
  try {
    const res = await fetch(`${restUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    const body = await res.json();
    return typeof body?.data?.[0]?.id === "string" ? body.data[0].id : undefined;
  } catch {
    return undefined;
  }
}

async function printBanner(mesh, key, restPort, logDir, keyManagement) {
  const model = await firstModel(mesh.restUrl, key.key);
  const body = JSON.stringify({ model: model ?? "<model>", messages: [{ role: "user", content: "Hello" }] });
  const keyBody = JSON.stringify({ key_alias: "my-key", models: [model ?? "<model>"], max_budget: 10 });
  const keyLines = keyManagement
    ? [
        "",
        'Create a virtual key (the answer\'s "key" is the secret, shown once; see docs/policy.md):',
        `  curl http://localhost:${restPort}/key/generate -H "Authorization: Bearer ${key.shown}" \\`,
        `    -H "Content-Type: application/json" -d '${keyBody}'`,
      ]
    : [];
  const lines = [
    "",
    bold("Switchyard is running"),
    `  REST (OpenAI-compatible)  http://localhost:${restPort}/v1`,
    `  gRPC                      ${mesh.grpcAddress}`,
    `  services                  ${mesh.processes.map((p) => `${processLabel(p.name, p.index)} (pid ${p.pid})`).join(", ")}`,
    ...(logDir ? [`  logs                      ${logDir}/*.log  (tail -f ${logDir}/*.log)`] : []),
    "",
    "Try it:",
    `  curl http://localhost:${restPort}/v1/chat/completions -H "Authorization: Bearer ${key.shown}" \\`,
    `    -H "Content-Type: application/json" -d '${body}'`,
    ...(model ? [] : [dim("  (GET /v1/models listed no model; use a model_name from the config)")]),
    ...keyLines,
    "",
    dim("Ctrl-C stops all services."),
    "",
  ];
  console.log(lines.join("\n"));
}

/** True when any process is already draining or gone: the terminal sent Ctrl-C to the whole process group. */
async function servicesGotSignal(mesh) {
  await new Promise((r) => setTimeout(r, 300));
  const ready = await Promise.all(mesh.processes.map((p) => (p.running ? isReady(p.httpUrl) : false)));
  return ready.includes(false);
}

async function waitForExit(mesh, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (mesh.processes.some((p) => p.running) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops the mesh after the first signal and exits 0. */
async function shutdown(mesh, signal, servers) {
  // Ctrl-C from a terminal also reaches the services (same process group) and they drain on their own; a second
  // signal would make them exit at once, so in that case wait for them and only signal what is left.
  if (signal === "SIGINT" && (await servicesGotSignal(mesh))) await waitForExit(mesh, STOP_TIMEOUT_MS);
  await mesh.stop("SIGTERM", STOP_TIMEOUT_MS);
  // NATS and ClickHouse go last: the workers and the metering service flush into them while draining.
  await Promise.all(servers.map((s) => s.stop()));
  console.log("All services stopped.");
  process.exit(0);
}

async function main() {
  const configPath = resolve(root, process.env["SWITCHYARD_CONFIG"] || "config/switchyard.example.yaml");
  const restPort = portFromEnv("SWITCHYARD_PORT", 4000);
  const grpcPort = portFromEnv("SWITCHYARD_GRPC_PORT", 4001);
  const logDir = process.env["SWITCHYARD_LOG_DIR"] ? resolve(process.env["SWITCHYARD_LOG_DIR"]) : undefined;
  const key = await masterKey(configPath);

  let mesh;
  let servers = [];
  /** The first stop request: a signal name, or "exit" when a service died on its own. */
  let stopping;
  const onSignal = (signal) => {
    if (stopping) {
      console.log("\nKilling all services.");
      void (mesh ? mesh.stop("SIGKILL") : Promise.resolve()).then(() => process.exit(1));
      return;
    }
    stopping = signal;
    console.log(`\n${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping all services...`);
    // While starting, startMesh fails as the services exit and stops what it started; main() then exits.
    if (mesh) void shutdown(mesh, signal, servers);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  console.log(dim(`Starting Switchyard with ${configPath}`));
  if (logDir) console.log(dim(`Service logs go to ${logDir}`));
  try {
    const metering = await meteringInfra();
    servers = metering.servers;
    // With metering, the policy keeps virtual keys in NATS and needs a stable key-hash secret.
    const keySecret = metering.infra ? { [KEY_HASH_SECRET_ENV]: await keyHashSecret() } : {};
    mesh = await startMesh({
      metering: metering.infra,
      configPath,
      restPort,
      grpcPort,
      root,
      serviceEnv: { policy: { SWITCHYARD_MASTER_KEY: key.key, ...keySecret } },
      ...(logDir ? { logDir } : { onLog: terminalLogger() }),
    });
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    if (stopping) process.exit(0);
    throw err;
  }
  if (stopping) return shutdown(mesh, stopping, servers);
  for (const p of mesh.processes) {
    p.child.once("exit", (code, signal) => {
      if (stopping) return;
      stopping = "exit";
      console.error(
        `\n${processLabel(p.name, p.index)} exited unexpectedly (${signal ?? `code ${code}`}); stopping the rest.`,
      );
      if (logDir) console.error(p.logs().split("\n").slice(-20).join("\n"));
      void mesh
        .stop("SIGTERM", STOP_TIMEOUT_MS)
        .then(() => Promise.all(servers.map((s) => s.stop())))
        .then(() => process.exit(1));
    });
  }
  const keyManagement = mesh.processes.some((p) => p.name === "metering");
  await printBanner(mesh, key, restPort, logDir, keyManagement);
}

main().catch((err) => {
  if (err instanceof PortInUseError) {
    console.error(`Port ${err.port} is already in use. Set ${PORT_ENV[err.option]} to a free port, for example:`);
    console.error(`  ${PORT_ENV[err.option]}=${err.port + 100} npm start`);
  } else if (err instanceof MeshStartError || err instanceof UsageError) {
    console.error(`\nCould not start Switchyard: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
