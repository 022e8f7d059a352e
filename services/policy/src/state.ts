// The in-memory copy of the policy buckets every replica keeps. The KV watch (and this replica's own writes, so it
// reads what it wrote) feed `apply`; entries carry their KV revision and an older revision never replaces a newer
// one, so a watch event that arrives after a local write of the same or a later revision changes nothing. Authorize
// reads only this copy, never the network.

import { create } from "@bufbuild/protobuf";
import { policy } from "@switchyard/proto";
import type { KeyIndex } from "./credentials.js";
import { hasLimits } from "./ledger/admission.js";
import type { Kind, Records, StoredKey } from "./records.js";

/** Receives invalidations for the ingress watches. */
export type InvalidationListener = (message: policy.WatchInvalidationsResponse) => void;

/** The replica's view of keys, teams, users and customers. */
export interface PolicyState extends KeyIndex {
  get<K extends Kind>(kind: K, id: string): Records[K] | undefined;
  /** The KV revision last applied for `id` (a delete included); 0 when none was seen. */
  revision(kind: Kind, id: string): number;
  /** Every live record of a kind, in no particular order. */
  values<K extends Kind>(kind: K): IterableIterator<Records[K]>;
  /** Ids of the keys assigned to a team. */
  keysOfTeam(teamId: string): string[];
  /** Ids of the keys assigned to a user. */
  keysOfUser(userId: string): string[];
  /** Ids of the teams a user is a member of, sorted. */
  teamsOfUser(userId: string): string[];
  /**
   * Applies a record (or its deletion, `undefined`) at `revision`; ignored unless the revision is newer than the one
   * held. Returns whether anything was applied.
   */
  apply<K extends Kind>(kind: K, id: string, revision: number, value: Records[K] | undefined): boolean;
  /** Whether some customer (end user) has limits or is blocked, so requests naming an end user need an Admit. */
  endUserLimits(): boolean;
  /** Registers a listener for invalidations; changes in one tick are coalesced into one message. */
  onInvalidate(listener: InvalidationListener): void;
}

interface Slot<T> {
  revision: number;
  value: T | undefined;
}

function addTo(index: Map<string, Set<string>>, key: string, value: string): void {
  if (key === "") return;
  const set = index.get(key);
  if (set) set.add(value);
  else index.set(key, new Set([value]));
}

function removeFrom(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

/** Creates an empty state. */
export function createState(): PolicyState {
  const slots: { [K in Kind]: Map<string, Slot<Records[K]>> } = {
    keys: new Map(),
    teams: new Map(),
    users: new Map(),
    customers: new Map(),
  };
  const byHash = new Map<string, string>();
  const keysByTeam = new Map<string, Set<string>>();
  const keysByUser = new Map<string, Set<string>>();
  const teamsByUser = new Map<string, Set<string>>();
  const listeners: InvalidationListener[] = [];
  // Customers with limits or a block: a count, so Authorize answers `endUserLimits` without a scan.
  let limitedCustomers = 0;
  const customerLimited = (c: policy.Customer | undefined) => c !== undefined && (c.blocked || hasLimits(c.limits));
  let pending: { keyIds: Set<string>; all: boolean } | undefined;

  const invalidate = (keyId: string | undefined) => {
    if (listeners.length === 0) return;
    if (!pending) {
      pending = { keyIds: new Set(), all: false };
      queueMicrotask(flush);
    }
    if (keyId === undefined) pending.all = true;
    else pending.keyIds.add(keyId);
  };
  const flush = () => {
    const batch = pending;
    pending = undefined;
    if (!batch) return;
    const message = create(policy.WatchInvalidationsResponseSchema, {
      all: batch.all,
      keyIds: batch.all ? [] : [...batch.keyIds],
    });
    for (const listener of listeners) listener(message);
  };

  const indexKey = (stored: StoredKey | undefined, add: boolean) => {
    if (!stored) return;
    const { keyId, teamId, userId } = stored.key;
    const hash = Buffer.from(stored.hash).toString("base64");
    if (add) {
      byHash.set(hash, keyId);
      addTo(keysByTeam, teamId, keyId);
      addTo(keysByUser, userId, keyId);
    } else {
      if (byHash.get(hash) === keyId) byHash.delete(hash);
      removeFrom(keysByTeam, teamId, keyId);
      removeFrom(keysByUser, userId, keyId);
    }
  };
  const indexTeam = (team: policy.Team | undefined, add: boolean) => {
    for (const member of team?.members ?? []) {
      if (add) addTo(teamsByUser, member.userId, team!.teamId);
      else removeFrom(teamsByUser, member.userId, team!.teamId);
    }
  };

  return {
    get(kind, id) {
      return slots[kind].get(id)?.value;
    },
    revision(kind, id) {
      return slots[kind].get(id)?.revision ?? 0;
    },
    *values(kind) {
      for (const slot of slots[kind].values()) if (slot.value !== undefined) yield slot.value;
    },
    keyIdByHash: (hash) => byHash.get(hash),
    key: (id) => slots.keys.get(id)?.value,
    keysOfTeam: (teamId) => [...(keysByTeam.get(teamId) ?? [])],
    keysOfUser: (userId) => [...(keysByUser.get(userId) ?? [])],
    teamsOfUser: (userId) => [...(teamsByUser.get(userId) ?? [])].sort(),
    apply(kind, id, revision, value) {
      const map = slots[kind] as Map<string, Slot<Records[typeof kind]>>;
      const slot = map.get(id);
      if (slot && slot.revision >= revision) return false;
      const previous = slot?.value;
      map.set(id, { revision, value });
      if (kind === "keys") {
        indexKey(previous as StoredKey | undefined, false);
        indexKey(value as StoredKey | undefined, true);
        if (previous !== undefined || value !== undefined) invalidate(id);
      } else if (kind === "teams") {
        indexTeam(previous as policy.Team | undefined, false);
        indexTeam(value as policy.Team | undefined, true);
        if (previous !== undefined || value !== undefined) invalidate(undefined);
      } else if (kind === "users" && (previous !== undefined || value !== undefined)) {
        invalidate(undefined);
      } else if (kind === "customers") {
        const wasAny = limitedCustomers > 0;
        limitedCustomers +=
          Number(customerLimited(value as policy.Customer | undefined)) -
          Number(customerLimited(previous as policy.Customer | undefined));
        // Cached decisions carry `end_user_limits`; only a change of it needs them dropped.
        if (wasAny !== limitedCustomers > 0) invalidate(undefined);
      }
      return true;
    },
    endUserLimits: () => limitedCustomers > 0,
    onInvalidate(listener) {
      listeners.push(listener);
    },
  };
}
