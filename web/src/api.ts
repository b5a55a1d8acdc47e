// The HTTP client: JSON in and out, the session cookie, X-CSRF-Token on every state change,
// and one place that notices 401 (the UI goes back to the login page).
import type {
  EventRecord,
  Camera,
  Clip,
  DeviceStatus,
  ExportAnswer,
  FeatureCollection,
  Incident,
  Resolution,
  Session,
  Site,
} from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`${status}: ${detail}`);
    this.name = "ApiError";
  }
}

export interface IncidentQuery {
  status?: string;
  sector?: string;
  priority?: number;
  limit?: number;
}

type Method = "GET" | "POST";

/** A GET's status and, when the answer is JSON, its body (a file's body is not read). */
export interface Probe {
  status: number;
  body: unknown;
}

async function detailOf(response: Response): Promise<string> {
  try {
    const body: unknown = await response.json();
    if (body !== null && typeof body === "object" && "detail" in body) {
      const detail = body.detail;
      return typeof detail === "string" ? detail : JSON.stringify(detail);
    }
  } catch {
    // not JSON: fall through to the status text
  }
  return response.statusText || "request failed";
}

export class ApiClient {
  private csrfToken = "";

  constructor(
    private readonly onUnauthorized: () => void,
    private readonly base = "",
  ) {}

  setCsrf(token: string): void {
    this.csrfToken = token;
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  private async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    const init: RequestInit = { method, headers, credentials: "same-origin" };
    if (method !== "GET") {
      headers["X-CSRF-Token"] = this.csrfToken;
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body ?? {});
    }
    const response = await fetch(this.url(path), init);
    if (response.status === 401 && path !== "/api/auth/login") {
      this.onUnauthorized();
    }
    if (!response.ok) {
      throw new ApiError(response.status, await detailOf(response));
    }
    if (response.status === 204) {
      return undefined as T;
    }
    return (await response.json()) as T;
  }

  /** A JSON request to any API path (the register and report pages build on it). */
  send<T>(method: Method, path: string, body?: unknown): Promise<T> {
    return this.request<T>(method, path, body);
  }

  /** A GET that answers any status (a 202 is progress, a 404 a reason), not only 2xx; a
   * JSON answer is parsed, any other body (a file) is left unread. */
  async probe(path: string): Promise<Probe> {
    const response = await fetch(this.url(path), {
      method: "GET",
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.status === 401) this.onUnauthorized();
    if ((response.headers.get("Content-Type") ?? "").startsWith("application/json")) {
      try {
        return { status: response.status, body: (await response.json()) as unknown };
      } catch {
        return { status: response.status, body: null };
      }
    }
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status, body: null };
  }

  async login(username: string, password: string): Promise<Session> {
    const session = await this.request<Session>("POST", "/api/auth/login", { username, password });
    this.csrfToken = session.csrf_token;
    return session;
  }

  async me(): Promise<Session> {
    const session = await this.request<Session>("GET", "/api/auth/me");
    this.csrfToken = session.csrf_token;
    return session;
  }

  logout(): Promise<void> {
    return this.request<void>("POST", "/api/auth/logout");
  }

  site(): Promise<Site> {
    return this.request<Site>("GET", "/api/site");
  }

  layer(name: "borders" | "sectors" | "zones" | "sensors" | "km-posts"): Promise<FeatureCollection> {
    const path = name === "km-posts" ? "/api/map/km-posts?every_km=1" : `/api/map/${name}`;
    return this.request<FeatureCollection>("GET", path);
  }

  basemapStyle(): Promise<unknown> {
    return this.request<unknown>("GET", "/api/map/basemap/style.json");
  }

  /** The OpenStreetMap basemap style of a theme (tiles and glyphs from this node). */
  basemapTheme(theme: "dark" | "light"): Promise<unknown> {
    return this.request<unknown>("GET", `/api/basemap/styles/${theme}.json`);
  }

  cameras(): Promise<Camera[]> {
    return this.request<Camera[]>("GET", "/api/cameras");
  }

  devices(): Promise<DeviceStatus[]> {
    return this.request<DeviceStatus[]>("GET", "/api/devices");
  }

  incidents(query: IncidentQuery = {}): Promise<Incident[]> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== "") params.set(key, String(value));
    }
    const qs = params.toString();
    return this.request<Incident[]>("GET", `/api/incidents${qs ? `?${qs}` : ""}`);
  }

  incident(id: string): Promise<Incident> {
    return this.request<Incident>("GET", `/api/incidents/${encodeURIComponent(id)}`);
  }

  event(id: string): Promise<EventRecord> {
    return this.request<EventRecord>("GET", `/api/events/${encodeURIComponent(id)}`);
  }

  clips(incidentId: string): Promise<Clip[]> {
    return this.request<Clip[]>("GET", `/api/incidents/${encodeURIComponent(incidentId)}/clips`);
  }

  private act(id: string, verb: string, body: object): Promise<Incident> {
    return this.request<Incident>("POST", `/api/incidents/${encodeURIComponent(id)}/${verb}`, body);
  }

  acknowledge(id: string, note?: string): Promise<Incident> {
    return this.act(id, "acknowledge", note ? { note } : {});
  }

  resolve(id: string, resolution: Resolution, note?: string): Promise<Incident> {
    return this.act(id, "resolve", note ? { resolution, note } : { resolution });
  }

  close(id: string, note?: string): Promise<Incident> {
    return this.act(id, "close", note ? { note } : {});
  }

  addNote(id: string, text: string): Promise<Incident> {
    return this.act(id, "notes", { text });
  }

  /** An evidence bundle of the incident, made with `reason` (audited); `maskedVideo` adds a
   * privacy-masked copy of each clip of a camera with privacy masks. */
  createExport(incidentId: string, reason: string, maskedVideo = false): Promise<ExportAnswer> {
    return this.request<ExportAnswer>("POST", "/api/exports", {
      incident_id: incidentId,
      reason,
      masked_video: maskedVideo,
    });
  }

  cameraSnapshotUrl(cameraId: string, tick: number): string {
    return this.url(`/api/cameras/${encodeURIComponent(cameraId)}/snapshot.jpg?overlay=true&t=${tick}`);
  }

  eventSnapshotUrl(eventId: string): string {
    return this.url(`/api/events/${encodeURIComponent(eventId)}/snapshot.jpg`);
  }

  clipUrl(clip: Clip): string {
    return clip.url || this.url(`/api/clips/${encodeURIComponent(clip.id)}`);
  }

  liveUrl(): string {
    const target = new URL(this.url("/api/live"), window.location.href);
    target.protocol = target.protocol === "https:" ? "wss:" : "ws:";
    return target.toString();
  }
}
