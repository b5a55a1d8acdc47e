// Which event's snapshot the incident pane shows: the crossing frame itself (the frame a
// camera's rule fired on) when a camera saw a crossing; else the camera frame nearest in time
// to the first crossing (a crossing seen by radar or a ground sensor only); else the first
// camera event. Only camera events have snapshots. Imports types only: node's test runner
// loads it alone.

export const CROSSING_KINDS: ReadonlySet<string> = new Set(["border_crossing", "line_crossing"]);

export interface SnapshotCandidate {
  kind: string;
  time: string;
  source_id: string;
}

export function snapshotEvent<E extends SnapshotCandidate>(
  events: readonly E[],
  isCamera: (sourceId: string) => boolean,
): E | null {
  const seen = events.filter((e) => isCamera(e.source_id));
  const crossing = seen.find((e) => CROSSING_KINDS.has(e.kind));
  if (crossing) return crossing;
  const anyCrossing = events.find((e) => CROSSING_KINDS.has(e.kind));
  if (anyCrossing && seen.length > 0) {
    const at = Date.parse(anyCrossing.time);
    let best = seen[0] ?? null;
    for (const e of seen) {
      if (best && Math.abs(Date.parse(e.time) - at) < Math.abs(Date.parse(best.time) - at)) best = e;
    }
    return best;
  }
  return seen[0] ?? null;
}
