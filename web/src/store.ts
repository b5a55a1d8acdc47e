// The UI's state: one store, plain data, listeners told which part changed.
import { DEFAULT_ALERT_SETTINGS, type AlertSettings } from "./alert_settings";
import {
  UNCLASSIFIED,
  type Camera,
  type DeviceStatus,
  type Incident,
  type IncidentAlert,
  type IncidentStatus,
  type LiveTrack,
  type LiveTrackPublic,
  type Site,
  type User,
} from "./types";

export type Topic =
  | "incidents"
  | "selection"
  | "filters"
  | "tracks"
  | "cameras"
  | "devices"
  | "connection"
  | "alerts"
  | "settings";
export type ConnectionState = "connecting" | "live" | "reconnecting" | "offline";

export interface QueueFilters {
  sector: string;
  status: "active" | IncidentStatus | "all";
  priority: number; // 0 = any, else "this priority or higher (lower number)"
}

const ACTIVE: ReadonlySet<IncidentStatus> = new Set(["open", "acknowledged", "dispatched"]);

/** How long a track stays on the map after its last update. */
export const TRACK_TTL_MS = 15_000;

/** When an incident was last alerted, in ms (the server gives its opening time if never). */
export function alertedMs(incident: Incident): number {
  const ms = Date.parse(incident.last_alert_at);
  return Number.isNaN(ms) ? 0 : ms;
}

export class Store {
  user: User | null = null;
  site: Site | null = null;
  incidents = new Map<string, Incident>();
  selectedId: string | null = null;
  filters: QueueFilters = { sector: "", status: "active", priority: 0 };
  tracks = new Map<string, LiveTrack & { seenMs: number }>();
  cameras = new Map<string, Camera>();
  devices = new Map<string, DeviceStatus>();
  connection: ConnectionState = "offline";
  alertSettings: AlertSettings = { ...DEFAULT_ALERT_SETTINGS };
  /** Incidents alerted since the operator last selected them: id → when the alert came (ms). */
  unseenAlerts = new Map<string, number>();
  /** The latest alert received, if any. */
  lastAlert: IncidentAlert | null = null;
  private listeners = new Map<Topic, Set<() => void>>();
  /** Incidents the live feed sent since the last setIncidents. */
  private liveSinceList = new Set<string>();

  on(topic: Topic, listener: () => void): void {
    const set = this.listeners.get(topic) ?? new Set();
    set.add(listener);
    this.listeners.set(topic, set);
  }

  emit(topic: Topic): void {
    for (const listener of this.listeners.get(topic) ?? []) listener();
  }

  /**
   * The incident list as fetched (at start and after every reconnect). The live feed may have
   * overtaken the fetch: an incident held in a newer version keeps it, and one the feed sent
   * since the previous list that this list lacks (opened while the fetch ran) stays.
   */
  setIncidents(list: Incident[]): void {
    const next = new Map<string, Incident>();
    for (const incident of list) {
      const held = this.incidents.get(incident.id);
      next.set(incident.id, held && held.version > incident.version ? held : incident);
    }
    for (const id of this.liveSinceList) {
      const held = this.incidents.get(id);
      if (held && !next.has(id)) next.set(id, held);
    }
    this.liveSinceList.clear();
    this.incidents = next;
    this.emit("incidents");
    this.emit("selection");
  }

  /** An incident from the live feed; an older version than the one held is ignored. */
  upsertIncident(incident: Incident): void {
    const old = this.incidents.get(incident.id);
    if (old && old.version > incident.version) return;
    this.incidents.set(incident.id, incident);
    this.liveSinceList.add(incident.id);
    this.emit("incidents");
    if (incident.id === this.selectedId) this.emit("selection");
  }

  select(id: string | null): void {
    if (this.selectedId === id) return;
    this.selectedId = id;
    if (id !== null && this.unseenAlerts.delete(id)) this.emit("alerts");
    this.emit("selection");
  }

  /** An alert arrived: the incident is marked until the operator selects it. */
  noteAlert(alert: IncidentAlert, nowMs: number): void {
    this.lastAlert = alert;
    if (alert.incident_id !== this.selectedId) this.unseenAlerts.set(alert.incident_id, nowMs);
    this.emit("alerts");
  }

  setAlertSettings(settings: AlertSettings): void {
    this.alertSettings = { ...settings };
    this.emit("settings");
  }

  selected(): Incident | null {
    return this.selectedId ? (this.incidents.get(this.selectedId) ?? null) : null;
  }

  setFilters(filters: Partial<QueueFilters>): void {
    this.filters = { ...this.filters, ...filters };
    this.emit("filters");
  }

  /** The queue: filtered, the most recently alerted first (docs/alerts.md), then priority. */
  queue(): Incident[] {
    const { sector, status, priority } = this.filters;
    return [...this.incidents.values()]
      .filter((i) => !sector || i.sector_id === sector)
      .filter((i) => (status === "all" ? true : status === "active" ? ACTIVE.has(i.status) : i.status === status))
      .filter((i) => priority === 0 || i.priority <= priority)
      .sort((a, b) => alertedMs(b) - alertedMs(a) || a.priority - b.priority || a.id.localeCompare(b.id));
  }

  /** A track from the live feed; an unclassified one (class_name null) is kept as UNCLASSIFIED. */
  upsertTrack(track: LiveTrackPublic, nowMs: number): void {
    this.tracks.set(trackKey(track), { ...track, class_name: track.class_name ?? UNCLASSIFIED, seenMs: nowMs });
    this.emit("tracks");
  }

  expireTracks(nowMs: number): void {
    let changed = false;
    for (const [key, track] of this.tracks) {
      if (nowMs - track.seenMs > TRACK_TTL_MS) {
        this.tracks.delete(key);
        changed = true;
      }
    }
    if (changed) this.emit("tracks");
  }

  setCameras(list: Camera[]): void {
    this.cameras = new Map(list.map((camera) => [camera.id, camera]));
    for (const camera of list) if (camera.status) this.devices.set(camera.status.device_id, camera.status);
    this.emit("cameras");
    this.emit("devices");
  }

  setDevices(list: DeviceStatus[]): void {
    for (const device of list) this.devices.set(device.device_id, device);
    this.emit("devices");
    this.emit("cameras");
  }

  upsertDevice(device: DeviceStatus): void {
    this.devices.set(device.device_id, device);
    this.emit("devices");
    this.emit("cameras");
  }

  setConnection(state: ConnectionState): void {
    if (this.connection === state) return;
    this.connection = state;
    this.emit("connection");
  }
}

/** A track's key on the map: site tracks by their own id, camera tracks per camera. */
export function trackKey(track: Pick<LiveTrackPublic, "camera_id" | "track_id">): string {
  return track.camera_id === null ? String(track.track_id) : `${track.camera_id}/${track.track_id}`;
}
