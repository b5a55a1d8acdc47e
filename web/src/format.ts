// Display helpers: times, priorities, states.
import type { AlertReason, Crossings, DeviceState, EventRecord, IncidentStatus } from "./types";

export const PRIORITY_COLOURS: Record<number, string> = {
  1: "#ff3b3b",
  2: "#ff8c1a",
  3: "#f5d000",
  4: "#4da3ff",
  5: "#8a96a3",
};

export function priorityColour(priority: number): string {
  return PRIORITY_COLOURS[priority] ?? "#8a96a3";
}

export const DEVICE_COLOURS: Record<DeviceState, string> = {
  online: "#3ccf6e",
  starting: "#4da3ff",
  degraded: "#f5a000",
  offline: "#ff3b3b",
  stopped: "#8a96a3",
};

export function deviceColour(state: DeviceState | undefined | null): string {
  return state ? DEVICE_COLOURS[state] : "#8a96a3";
}

export const STATUS_LABELS: Record<IncidentStatus, string> = {
  open: "Open",
  acknowledged: "Acknowledged",
  dispatched: "Dispatched",
  resolved: "Resolved",
  closed: "Closed",
};

export type IncidentAction = "acknowledge" | "dispatch" | "resolve" | "close";

/** What an operator may do in each state (the server's transition table). */
export const ALLOWED_ACTIONS: Record<IncidentStatus, readonly IncidentAction[]> = {
  open: ["acknowledge", "dispatch", "resolve"],
  acknowledged: ["dispatch", "resolve"],
  dispatched: ["resolve"],
  resolved: ["close"],
  closed: [],
};

export function actionAllowed(status: IncidentStatus, action: IncidentAction): boolean {
  return ALLOWED_ACTIONS[status].includes(action);
}

/** "14:03:27" in UTC: operations centres log in UTC (Zulu). */
export function clockZ(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "--:--:--";
  return date.toISOString().slice(11, 19);
}

export function dateTimeZ(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 19)}Z`;
}

/** "42s", "5m", "2h07" since `iso`; a future time is "0s", an unreadable one "?". */
export function age(iso: string, nowMs: number): string {
  const thenMs = new Date(iso).getTime();
  if (Number.isNaN(thenMs)) return "?";
  const seconds = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}`;
}

export function km(value: number | null): string {
  return value === null ? "—" : `km ${value.toFixed(1)}`;
}

/** "2 inbound · 1 outbound" (image lines: "1 line in"); "" when there are none. */
export function crossingsText(crossings: Crossings): string {
  const parts: [number, string][] = [
    [crossings.inbound, "inbound"],
    [crossings.outbound, "outbound"],
    [crossings.line_in, "line in"],
    [crossings.line_out, "line out"],
  ];
  return parts
    .filter(([count]) => count > 0)
    .map(([count, label]) => `${count} ${label}`)
    .join(" · ");
}

export const ALERT_REASON_LABELS: Record<AlertReason, string> = {
  opened: "new incident",
  crossing: "crossing",
  new_track: "new track",
  direction_change: "direction change",
};

const EVENT_WORDS: Record<string, string> = {
  border_crossing: "crossing",
  line_crossing: "line crossing",
  zone_enter: "zone entry",
  zone_exit: "zone exit",
  zone_dwell: "loitering",
  border_approach: "approach",
  device_online: "device online",
  device_offline: "device offline",
  storage_alarm: "storage alarm",
};

/** An event kind in words: "border_crossing" is "crossing". */
export function kindWords(kind: string): string {
  return EVENT_WORDS[kind] ?? kind.replaceAll("_", " ");
}

/** "12:04:31 crossing inbound, person, km 10.2, cam-1": an event as an operator reads it. */
export function eventWords(event: EventRecord): string {
  const what = kindWords(event.kind);
  const head = event.direction ? `${what} ${event.direction}` : what;
  const parts = [head, event.class_name, event.km_post === null ? null : km(event.km_post), event.source_id];
  return `${clockZ(event.time)} ${parts.filter((p) => p).join(", ")}`;
}
