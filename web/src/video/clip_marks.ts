// Where the crossings of an incident lie in one of its clips: marks on the clip's bar and the
// moment to start from (a little before the first crossing, so the operator sees it happen).
// Import-free: node's test runner loads it alone (web/tests/video.test.mjs).

/** Seconds shown before the first crossing when a clip opens. */
export const PRE_ROLL_S = 3;

export interface ClipWindow {
  start: string; // ISO time of the clip's first frame
  end: string;
}

export interface CrossingAt {
  time: string; // ISO time of the frame the rule fired on
  label: string; // "inbound", "outbound", "line in"…
}

export interface ClipMark {
  offsetS: number; // seconds from the clip's first frame
  label: string;
}

/** The crossings that lie inside the clip, as offsets from its start, earliest first. */
export function clipMarks(clip: ClipWindow, crossings: readonly CrossingAt[]): ClipMark[] {
  const startMs = Date.parse(clip.start);
  const endMs = Date.parse(clip.end);
  if (Number.isNaN(startMs) || Number.isNaN(endMs) || endMs < startMs) return [];
  const marks: ClipMark[] = [];
  for (const crossing of crossings) {
    const t = Date.parse(crossing.time);
    if (Number.isNaN(t) || t < startMs || t > endMs) continue;
    marks.push({ offsetS: (t - startMs) / 1000, label: crossing.label });
  }
  return marks.sort((a, b) => a.offsetS - b.offsetS);
}

/** The clip's length in seconds: the file's own duration when the player knows it. */
export function clipDurationS(clip: ClipWindow, mediaDurationS: number): number {
  if (Number.isFinite(mediaDurationS) && mediaDurationS > 0) return mediaDurationS;
  return Math.max(0, (Date.parse(clip.end) - Date.parse(clip.start)) / 1000) || 0;
}

/** A mark's place along the bar, 0..1 (0 when the length is unknown). */
export function markFraction(offsetS: number, durationS: number): number {
  if (!(durationS > 0)) return 0;
  return Math.min(1, Math.max(0, offsetS / durationS));
}

/** Where playback starts: PRE_ROLL_S before the crossing the clip is cut around (``aroundS``),
 * else before the first crossing, else at the beginning. */
export function startOffsetS(marks: readonly ClipMark[], aroundS: number | null = null): number {
  const at = aroundS ?? marks[0]?.offsetS;
  return at === undefined ? 0 : Math.max(0, at - PRE_ROLL_S);
}

/** Marks to within this many seconds are one crossing. */
const SAME_MARK_S = 0.05;

/**
 * The marks with the crossing the clip is cut around (the API's exact offset) among them: it
 * replaces a mark computed for the same moment, or joins when the pane did not load its event.
 */
export function withAround(marks: readonly ClipMark[], aroundS: number | null, label: string): ClipMark[] {
  if (aroundS === null || !Number.isFinite(aroundS) || aroundS < 0) return [...marks];
  const same = marks.find((m) => Math.abs(m.offsetS - aroundS) <= SAME_MARK_S);
  const others = marks.filter((m) => m !== same);
  return [...others, { offsetS: aroundS, label: same?.label ?? label }].sort((a, b) => a.offsetS - b.offsetS);
}

/** "0:42", "1:05": a position in the clip. */
export function clipClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
