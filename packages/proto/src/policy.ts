// The policy package (switchyard.policy.v1): authorization on the request path, the admin API and its audit events.
export * from "./gen/switchyard/policy/v1/admin_pb.js";
export * from "./gen/switchyard/policy/v1/audit_pb.js";
export * from "./gen/switchyard/policy/v1/policy_pb.js";
