// Rollup benchmark: the time of one recompute pass (rollup.ts) at the worst point of a busy day, on a real
// clickhouse-server. The day is filled as the service would have left it: 11,110 active values (100 keys, 10 teams,
// 1,000 users, 10,000 end users) with a minute row in each of the day's first 1,439 minutes and their hour rows,
// and the last minute holds `--events` usage events (300,000: 5,000 events/s for a minute). Then the last minute is
// recomputed `--passes` times, as the ingest loop does while that minute fills.
//
//   node services/metering/dist/bench/rollup.js [--events 300000] [--passes 3]

import { parseArgs } from "node:util";
import { dayStartMs } from "@switchyard/usage";
import { emptyTouched, recompute, touch } from "../rollup.js";
import { migrate } from "../schema.js";
import { date, sql, uint } from "../sql.js";
import { startInfra, testLog, testStore } from "../testkit.js";

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "300000" },
    passes: { type: "string", default: "3" },
  },
});
const EVENTS = Number(args.events);
const PASSES = Number(args.passes);
const DAY = "2026-12-06";
const VALUES = 11_110;
const FIRST_MINUTE = dayStartMs(DAY) / 60_000;
const LAST_MINUTE = FIRST_MINUTE + 1_439;

/** The dimension and value of value number `i` (of `VALUES`), as SQL over a column `i`. */
const DIMENSION = sql`multiIf(i < 100, 'key', i < 110, 'team', i < 1110, 'user', 'end_user')`;
const VALUE = sql`multiIf(i < 100, concat('key-', toString(i)), i < 110, concat('team-', toString(i - 100)),
  i < 1110, concat('user-', toString(i - 110)), concat('eu-', toString(i - 1110)))`;
const COLUMNS = sql`events, cost_nanos, prompt_tokens, completion_tokens, cache_read_tokens, cache_write_tokens,
  reasoning_tokens, audio_millis, queries`;

async function timed<T>(what: string, op: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await op();
  console.log(`${what}: ${Date.now() - started} ms`);
  return result;
}

const infra = await startInfra();
try {
  const store = testStore(infra, "switchyard", 600_000);
  await migrate(store, testLog);
  await timed("fill minute rows", () =>
    store.command(sql`INSERT INTO ${store.table("spend_minutely")} (dimension, value, minute, day, ${COLUMNS})
SELECT ${DIMENSION}, ${VALUE}, ${uint(FIRST_MINUTE)} + intDiv(number, ${uint(VALUES)}), ${date(DAY)},
  5, 1000, 10, 10, 0, 0, 0, 0, 0
FROM (SELECT number, number % ${uint(VALUES)} AS i FROM system.numbers LIMIT ${uint(VALUES * 1_439)})`),
  );
  await timed("fill hour rows", () =>
    store.command(sql`INSERT INTO ${store.table("spend_hourly")} (dimension, value, hour, day, ${COLUMNS})
SELECT dimension, value, intDiv(minute, 60), any(day), sum(events), sum(cost_nanos), sum(prompt_tokens),
  sum(completion_tokens), sum(cache_read_tokens), sum(cache_write_tokens), sum(reasoning_tokens), sum(audio_millis),
  sum(queries)
FROM ${store.table("spend_minutely")} GROUP BY dimension, value, intDiv(minute, 60)`),
  );
  await timed(`fill ${EVENTS} events in the last minute`, () =>
    store.command(sql`INSERT INTO ${store.table("usage_events")} (event_id, started_at_ms, ended_at_ms, day, minute,
  key_id, team_id, user_id, end_user, model_group, provider, cost_nanos, prompt_tokens, completion_tokens)
SELECT concat('e', toString(number)), ${uint(LAST_MINUTE * 60_000)}, 0, ${date(DAY)},
  ${uint(LAST_MINUTE)}, concat('key-', toString(number % 100)), concat('team-', toString(number % 10)),
  concat('user-', toString(number % 1000)), concat('eu-', toString(number % 10000)), 'gpt-4o', 'openai', 1000, 10, 10
FROM system.numbers LIMIT ${uint(EVENTS)}`),
  );
  const touched = emptyTouched();
  touch(touched, { minute: LAST_MINUTE, day: DAY });
  for (let pass = 1; pass <= PASSES; pass++) {
    const totals = await timed(`recompute pass ${pass}`, () => recompute(store, touched));
    if (totals.length < VALUES) throw new Error(`expected at least ${VALUES} day totals, got ${totals.length}`);
  }
  await store.close();
} finally {
  await infra.stop();
}
