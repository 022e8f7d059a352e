export * from "./client.js";
export * from "./client-stream.js";
export * from "./codes.js";
export * from "./envelope.js";
export * from "./server.js";
export * from "./server-call.js";
export * from "./service.js";
export * from "./trace.js";
