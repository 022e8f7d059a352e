// Names of ledger entries: `<kind>.<escaped id>`, with ids escaped as in the policy buckets (kv-keys.ts).

import { kvKeyOf } from "../kv-keys.js";
import type { ScopeLimits } from "./entry.js";

/** The levels whose limits a request must pass. */
export type ScopeKind = "key" | "user" | "team" | "end_user";

/** One limited scope of a request. */
export interface Scope {
  kind: ScopeKind;
  id: string;
  limits: ScopeLimits;
  /** When the record was created (unix ms): where its recorded spend starts. */
  createdAtMs: number;
}

const LEDGER_KEY = /^(?:key|user|team|end_user)\.(?:[A-Za-z0-9_-]|=[0-9A-F]{2}){1,1024}$/;

/** The ledger entry of a scope. */
export function ledgerKey(scope: Pick<Scope, "kind" | "id">): string {
  return `${scope.kind}.${kvKeyOf(scope.id)}`;
}

/** Whether `key` names a ledger entry (Settle only touches those, whatever the caller sends). */
export function isLedgerKey(key: string): boolean {
  return LEDGER_KEY.test(key);
}
