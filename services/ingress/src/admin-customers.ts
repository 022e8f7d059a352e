// LiteLLM's customer (end-user) routes over the policy's customer calls; every route also answers under
// `/end_user/...`, LiteLLM's other name for them. A customer is named by the `user` field of requests.
//
//   POST /customer/new     {user_id, alias, blocked, max_budget, soft_budget, budget_duration, rpm_limit,
//                           tpm_limit, max_parallel_requests, metadata}
//   POST /customer/update  {user_id, ...the same fields; null clears a limit or the alias}
//   POST /customer/delete  {user_ids: [...]}
//   GET  /customer/info?end_user_id=

import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import type { AdminRoute } from "./admin.js";
import { clearable, type FieldReader, readLimits, readMetadata, requiredText, requiredTexts } from "./admin-fields.js";
import { renderCustomer } from "./admin-render.js";

const m = policy.PolicyAdminService.method;

/** LiteLLM customer fields Switchyard accepts only with their default value. */
const IGNORED = [
  "spend",
  "budget_id",
  "allowed_model_region",
  "default_model",
  "object_permission",
  "model_max_budget",
  "budget_reset_at",
];

/** Reads LiteLLM's customer fields as CustomerChanges; on updates, null clears what can be cleared. */
export function readCustomerChanges(r: FieldReader, updating: boolean): policy.CustomerChanges {
  const { limits, clear } = readLimits(r, updating);
  const changes = create(policy.CustomerChangesSchema, {
    alias: clearable(r.text("alias"), "alias", updating, clear),
    limits,
    blocked: r.flag("blocked") ?? undefined,
    metadataJson: readMetadata(r),
    clear,
  });
  r.ignoreDefaults(IGNORED);
  return changes;
}

const routes: Record<string, AdminRoute> = {
  "/new": {
    method: "POST",
    async handler(c) {
      const userId = requiredText(c.fields, "user_id");
      const res = await c.call(m.createCustomer, { userId, customer: readCustomerChanges(c.fields, false) });
      return renderCustomer(res.customer!);
    },
  },
  "/update": {
    method: "POST",
    async handler(c) {
      const userId = requiredText(c.fields, "user_id");
      const res = await c.call(m.updateCustomer, { userId, changes: readCustomerChanges(c.fields, true) });
      return renderCustomer(res.customer!);
    },
  },
  "/delete": {
    method: "POST",
    async handler(c) {
      const res = await c.call(m.deleteCustomers, { userIds: requiredTexts(c.fields, "user_ids") });
      return {
        deleted_customers: res.deletedUserIds.length,
        customer_ids: res.deletedUserIds,
        message: `deleted ${res.deletedUserIds.length} customers`,
      };
    },
  },
  "/info": {
    method: "GET",
    async handler(c) {
      const res = await c.call(m.getCustomer, { userId: requiredText(c.fields, "end_user_id") });
      return renderCustomer(res.customer!);
    },
  },
};

/** The customer routes by path, under both `/customer` and `/end_user`. */
export const CUSTOMER_ROUTES: Readonly<Record<string, AdminRoute>> = Object.fromEntries(
  Object.entries(routes).flatMap(([suffix, route]) => [
    [`/customer${suffix}`, route],
    [`/end_user${suffix}`, route],
  ]),
);
