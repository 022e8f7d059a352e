export * as connect from "./connect/index.js";
export * from "./env.js";
export * from "./errors.js";
export * from "./grpc.js";
export * from "./health.js";
export * from "./host.js";
export * from "./lifecycle.js";
export * from "./log.js";
export * from "./reflection.js";
