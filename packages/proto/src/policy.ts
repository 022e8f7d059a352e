// The policy package (switchyard.policy.v1): authorization on the request path and the admin API.
export * from "./gen/switchyard/policy/v1/admin_pb.js";
export * from "./gen/switchyard/policy/v1/policy_pb.js";
