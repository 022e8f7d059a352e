// Usage events: the stream they travel on and the publisher the provider worker uses.
export * from "./stream.js";
