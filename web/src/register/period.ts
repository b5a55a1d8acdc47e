// Report periods: local calendar days of the site, both included, at most 366 days
// (docs/reports.md). Pure functions (unit-tested).

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `YYYY-MM-DD` of a date's own calendar day (in the browser's time zone). */
export function isoDay(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, "0");
  const d = String(date.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

function dayNumber(text: string): number | null {
  if (!DATE.test(text)) return null;
  const time = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(time)) return null;
  // Date.parse rolls 2026-02-30 over to March: refuse days that do not exist
  if (new Date(time).toISOString().slice(0, 10) !== text) return null;
  return Math.round(time / DAY_MS);
}

/** The last seven days up to `today`. */
export function defaultPeriod(today: Date): { from: string; to: string } {
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6);
  return { from: isoDay(from), to: isoDay(today) };
}

/** Why a period cannot be asked for, or null when it can. */
export function periodError(from: string, to: string): string | null {
  const first = dayNumber(from);
  const last = dayNumber(to);
  if (first === null) return "the first day is not a date (YYYY-MM-DD)";
  if (last === null) return "the last day is not a date (YYYY-MM-DD)";
  if (first > last) return "the first day is after the last";
  if (last - first + 1 > 366) return "a period is at most 366 days";
  return null;
}

/** "2026-11-01 – 2026-11-30" or one day. */
export function periodText(from: string, to: string): string {
  return from === to ? from : `${from} – ${to}`;
}
