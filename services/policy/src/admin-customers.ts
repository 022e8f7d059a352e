// Admin calls on customers (end users, named by a request's `user` field): proxy admins change them, proxy admins
// and viewers read them.

import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import { invalidRequest } from "@switchyard/runtime";
import { type Caller, requireAdmin, requireReader } from "./access.js";
import { type AdminEnv, checkIds, notFound } from "./admin-kit.js";
import { applyCustomerChanges } from "./changes.js";
import { checkId } from "./validate.js";

/** CreateCustomer: a new customer under the id its requests carry. */
export async function createCustomer(env: AdminEnv, caller: Caller, req: policy.CreateCustomerRequest) {
  requireAdmin(caller);
  const now = env.now();
  const userId = checkId(req.userId, "user_id");
  const base = create(policy.CustomerSchema, { userId, createdAtMs: BigInt(now) });
  const customer = applyCustomerChanges(base, req.customer, "customer", now);
  await env.store.mutate("customers", userId, (current) => {
    if (current) throw invalidRequest("user_id: customer already exists", "user_id");
    return customer;
  });
  return create(policy.CreateCustomerResponseSchema, { customer });
}

/** UpdateCustomer: changes a customer's alias, limits, metadata or blocked flag. */
export async function updateCustomer(env: AdminEnv, caller: Caller, req: policy.UpdateCustomerRequest) {
  requireAdmin(caller);
  const userId = checkId(req.userId, "user_id");
  const customer = await env.store.mutate("customers", userId, (current) => {
    if (!current) throw notFound("customer", "user_id");
    return applyCustomerChanges(current, req.changes, "changes", env.now());
  });
  return create(policy.UpdateCustomerResponseSchema, { customer: customer! });
}

/** DeleteCustomers: deletes customers; every one must exist. */
export async function deleteCustomers(env: AdminEnv, caller: Caller, req: policy.DeleteCustomersRequest) {
  requireAdmin(caller);
  const ids = checkIds(req.userIds, "user_ids");
  ids.forEach((id, i) => {
    if (!env.state.get("customers", id)) throw notFound(`customer at user_ids[${i}]`, `user_ids[${i}]`);
  });
  for (const id of ids) await env.store.mutate("customers", id, () => null);
  return create(policy.DeleteCustomersResponseSchema, { deletedUserIds: ids });
}

/** GetCustomer: one customer, for proxy admins and viewers. */
export function getCustomer(env: AdminEnv, caller: Caller, req: policy.GetCustomerRequest) {
  requireReader(caller);
  const customer = env.state.get("customers", checkId(req.userId, "user_id"));
  if (!customer) throw notFound("customer", "user_id");
  return create(policy.GetCustomerResponseSchema, { customer });
}
