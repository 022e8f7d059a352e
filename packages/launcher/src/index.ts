export { formatStartFailure, MeshStartError, PortInUseError } from "./errors.js";
export { type ClickHouseOptions, type ClickHouseServer, startClickHouse } from "./infra/clickhouse.js";
export { type NatsOptions, type NatsServer, type NatsServerAuth, type NatsServerTls, startNats } from "./infra/nats.js";
export type { InfraProcess } from "./infra/server.js";
export { createLineRing, createLineSplitter, type LineRing, type LineSplitter } from "./lines.js";
export { type Mesh, type MeshOptions, startMesh } from "./mesh.js";
export {
  generateKeyHashSecret,
  KEY_HASH_SECRET_ENV,
  logFileName,
  type MeshPorts,
  type MeteringInfra,
  type ProcessPlan,
  type ProcessPorts,
  planMesh,
  processLabel,
  SERVICE_NAMES,
  type ServiceName,
  stopOrder,
} from "./plan.js";
export { freePort, freePorts, isPortFree } from "./ports.js";
export { formatLogLine, LABEL_COLORS, type PrettyOptions } from "./pretty.js";
export { cpuMicros, rssBytes } from "./proc-stats.js";
export { isReady, type LogLine, type MeshProcess } from "./process.js";
