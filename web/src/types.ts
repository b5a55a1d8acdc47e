// Types of the operator API (docs/api.md). Times are ISO-8601 UTC strings.
import type { DronePublic } from "./map/drones";

export type Role = "operator" | "supervisor" | "admin" | "auditor" | "logistics" | "commander" | "donor_auditor";

export interface User {
  username: string;
  role: Role;
  sectors: string[];
}

export interface Session {
  user: User;
  csrf_token: string;
}

export interface Site {
  id: string;
  name: string;
  origin: { lat: number; lon: number };
  timezone: string;
  home_side: string;
  bounds: [number, number, number, number];
}

export type DeviceState = "starting" | "online" | "degraded" | "offline" | "stopped";

export interface DeviceStatus {
  device_id: string;
  state: DeviceState;
  time: string;
  detail: string;
  metrics: Record<string, number>;
}

export interface Polygon {
  type: "Polygon";
  coordinates: number[][][];
}

export interface Camera {
  id: string;
  name: string;
  sector_id: string;
  kind: string;
  georeferenced: boolean;
  position: { lat: number; lon: number } | null;
  fov: Polygon | null;
  status: DeviceStatus | null;
}

export type IncidentStatus = "open" | "acknowledged" | "dispatched" | "resolved" | "closed";
export type Resolution = "true_alarm" | "false_alarm" | "duplicate";

export interface HistoryEntry {
  status: IncidentStatus;
  actor: string;
  time: string;
  note: string | null;
}

export interface Note {
  author: string;
  time: string;
  text: string;
}

/** Crossings an incident holds, by direction (docs/alerts.md). */
export interface Crossings {
  inbound: number;
  outbound: number;
  line_in: number;
  line_out: number;
}

export interface Incident {
  id: string;
  title: string;
  status: IncidentStatus;
  priority: number;
  opened_at: string;
  updated_at: string;
  version: number;
  sector_id: string | null;
  assignee: string | null;
  dispatched_unit: string | null;
  resolution: Resolution | null;
  event_ids: string[];
  kind: string;
  class_name: string | null;
  direction: string | null;
  lat: number | null;
  lon: number | null;
  km_post: number | null;
  camera_id: string | null;
  sla_due_at: string | null;
  escalated: boolean;
  /** When operators were last alerted to it; the queue sorts by it, newest first. */
  last_alert_at: string;
  crossings: Crossings;
  history: HistoryEntry[];
  notes: Note[];
}

export interface Clip {
  id: string;
  camera_id: string;
  start: string;
  end: string;
  url: string;
  content_type: string;
}

/** 1-sigma position uncertainty: semi-axes in metres, major axis bearing (degrees from north). */
export interface TrackEllipse {
  major_m: number;
  minor_m: number;
  bearing_deg: number;
}

/** A track on the map: a fused site track (camera_id null, with the sensors behind it) or,
 * on a node without fusion, one camera's track. */
export interface LiveTrack {
  track_id: string | number;
  camera_id: string | null;
  lat: number;
  lon: number;
  class_name: string;
  time: string;
  trail: [number, number][];
  sensors?: string[];
  ellipse?: TrackEllipse | null;
  local_ids?: Record<string, string[]>;
  confirmed?: boolean;
}

export interface KordonEvent {
  id: string;
  kind: string;
  time: string;
  [field: string]: unknown;
}

export type AlertReason = "opened" | "crossing" | "new_track" | "direction_change";

/** The live feed's explicit alert, sent after the incident message of the same change. */
export interface IncidentAlert {
  incident_id: string;
  event_id: string;
  reasons: AlertReason[];
  alerted_at: string;
  priority: number;
  title: string;
  sector_id: string | null;
  kind: string;
  direction: string | null;
  class_name: string | null;
  km_post: number | null;
  camera_id: string;
  crossings: Crossings;
  /** Number of the alert in this node run (`epoch`); a reconnect resumes after it. */
  seq?: number | null;
  epoch?: string | null;
  /** Raised while this browser was away and sent on reconnect. */
  replayed?: boolean;
}

/** First message on every live connection (see docs/api.md, the live feed). */
export interface Hello {
  epoch: string;
  last_alert_seq: number;
  replayed: number;
  complete: boolean;
}

export type LiveMessage =
  | { type: "track"; data: LiveTrack }
  | { type: "event"; data: KordonEvent }
  | { type: "incident"; data: Incident }
  | { type: "alert"; data: IncidentAlert }
  | { type: "hello"; data: Hello }
  | { type: "drone"; data: DronePublic }
  | { type: "device"; data: DeviceStatus }
  | { type: "pong" };

export interface Feature<G, P> {
  type: "Feature";
  geometry: G;
  properties: P;
  id?: string | number;
}

export interface FeatureCollection<G = unknown, P = Record<string, unknown>> {
  type: "FeatureCollection";
  features: Feature<G, P>[];
}

/** One event as ``GET /api/events/{id}`` returns it (the fields the console shows). */
export interface EventRecord {
  id: string;
  kind: string;
  time: string;
  source_id: string;
  rule_id: string | null;
  track_id: string | null;
  class_name: string | null;
  direction: string | null;
  km_post: number | null;
  sector_id: string | null;
}
