// The metering package (switchyard.metering.v1): the usage event and the spend queries.
export * from "./gen/switchyard/metering/v1/metering_pb.js";
export * from "./gen/switchyard/metering/v1/usage_pb.js";
