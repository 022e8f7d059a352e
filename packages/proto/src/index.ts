// The generated contracts, one namespace per proto package. Generated code lives in ./gen and is
// never edited by hand: run `npm run generate` after changing proto/.

export { type FailedAttemptsCharge, mayHoldCharge, readCharge, withFailedAttempts } from "./charge.js";
export { allFiles } from "./files.js";
export * as gateway from "./gen/switchyard/gateway/v1/gateway_pb.js";
export * as router from "./gen/switchyard/router/v1/router_pb.js";
export * as worker from "./gen/switchyard/worker/v1/worker_pb.js";
export * as llm from "./llm.js";
export * as metering from "./metering.js";
export * as policy from "./policy.js";
