// LiteLLM's durations ("30s", "15m", "12h", "30d", "1mo") for budget windows and key lifetimes.

const DURATION = /^([1-9][0-9]{0,5})(s|m|h|d|mo)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Whether `text` is a duration: a positive integer of at most six digits and a unit of s, m, h, d or mo. */
export function isDuration(text: string): boolean {
  return DURATION.test(text);
}

/**
 * The instant (unix ms) a duration after `fromMs`. Months are calendar months in UTC; a day past the end of the
 * target month becomes its last day (Jan 31 + 1mo = Feb 28 or 29). Throws when `text` is not a duration.
 */
export function addDuration(fromMs: number, text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`expected a duration such as "30d", got "${text.slice(0, 40)}"`);
  const count = Number(match[1]);
  const unit = match[2] as string;
  if (unit !== "mo") return fromMs + count * (UNIT_MS[unit] as number);
  const from = new Date(fromMs);
  const target = new Date(fromMs);
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + count);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(from.getUTCDate(), lastDay));
  return target.getTime();
}
