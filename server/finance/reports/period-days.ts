import type { Period } from "../period";

const DAY_MS = 86_400_000;

/**
 * Every UTC day ("YYYY-MM-DD") that `[start, end)` touches, in order: the days a report zero-fills. A period
 * that starts or ends inside a day still shows that day (what was posted in its covered part).
 */
export function periodDays(period: Period): string[] {
  const first = Math.floor(period.start.getTime() / DAY_MS) * DAY_MS;
  const last_ms = period.end.getTime() - 1;
  const days: string[] = [];
  for (let t = first; t <= last_ms; t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}
