// The playback timeline's arithmetic: time ↔ position, tick steps and labels.

export interface Span {
  start: number; // POSIX ms
  end: number;
}

export function timeToFraction(t: number, window: Span): number {
  const width = window.end - window.start;
  if (width <= 0) return 0;
  return Math.min(1, Math.max(0, (t - window.start) / width));
}

export function fractionToTime(fraction: number, window: Span): number {
  const f = Math.min(1, Math.max(0, fraction));
  return Math.round(window.start + f * (window.end - window.start));
}

const STEPS_MS = [10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000];

/** Tick times (POSIX ms) for `window`: at most about `maxTicks`, on round steps. */
export function ticks(window: Span, maxTicks = 8): number[] {
  const width = window.end - window.start;
  if (width <= 0) return [];
  const step = STEPS_MS.find((s) => width / s <= maxTicks) ?? 21_600_000;
  const out: number[] = [];
  for (let t = Math.ceil(window.start / step) * step; t <= window.end; t += step) out.push(t);
  return out;
}

/** Whether `t` lies in one of `spans` (recorded footage). */
export function covered(t: number, spans: Span[]): boolean {
  return spans.some((s) => t >= s.start && t < s.end);
}

/** The start of the recorded footage at or after `t`, or null when none follows. */
export function nextCovered(t: number, spans: Span[]): number | null {
  if (covered(t, spans)) return t;
  const later = spans.filter((s) => s.start > t).map((s) => s.start);
  return later.length ? Math.min(...later) : null;
}

/** "HH:MM:SS" of `t` in UTC. */
export function clockLabel(t: number): string {
  return new Date(t).toISOString().slice(11, 19);
}
