// Usage events: the stream they travel on, the publisher the provider worker uses, and the live-spend format; and
// the stream admin audit events travel on.
export * from "./audit-stream.js";
export { type UsageMetrics, usageMetrics } from "./metrics.js";
export { type NatsAuth, type NatsSettings, readNatsSettings } from "./nats-settings.js";
export {
  DEFAULT_LIMITS,
  type PublisherLimits,
  type PublisherLog,
  readUsagePublisherEnv,
  type UsagePublisherOptions,
} from "./options.js";
export { startUsagePublisher, UsagePublisher, usageTraceKey } from "./publisher.js";
export type { CloseResult, PublisherStats } from "./report.js";
export * from "./spend.js";
export * from "./stream.js";
