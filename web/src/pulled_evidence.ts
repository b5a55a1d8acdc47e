// Evidence pulled from an outpost on demand, at the central server (docs/edge-central.md,
// "Evidence on demand"): the incident's clips as its outpost lists them, and each clip or
// export fetched over the link, checked by SHA-256 at the centre before it is served.
//
//   GET /api/central/incidents/{id}/clips              202 {state: "asking", edge_id} → 200 [clip + url]
//   GET .../clips/{clip_id}, .../exports/{export_id}   202 {transfer: state, received, size} → 200 file
//                                                      404 {detail: reason}; ?retry=true starts again
//
// The central routes are not in the node's OpenAPI document (web/src/api/openapi.gen.ts is
// generated from a node), so their types are written here, as kordon.central.evidence_routes
// declares them. This module reads the answers (pure, tested in web/tests); the panel that
// shows them is pulled_clips.ts.
import type { ApiClient, Probe } from "./api";
import { clockZ } from "./format";

export type PullKind = "clip" | "export";
export type TransferState = "opening" | "fetching" | "done" | "failed";

/** A clip the outpost has of the incident, and where the centre serves it. */
export interface PulledClip {
  id: string;
  camera_id: string;
  start: string;
  end: string;
  around_event_id: string | null;
  default: boolean;
  url: string;
}

/** A pull under way (the 202 answer of a clip or an export). */
export interface EvidencePull {
  transfer_id: string;
  edge_id: string;
  kind: PullKind;
  item_id: string;
  incident_id: string | null;
  state: TransferState;
  received: number;
  size: number | null;
  sha256: string | null;
  error: string | null;
}

/** The incident's clips at its outpost, as the centre answered. */
export type ClipListing =
  | { state: "asking"; edgeId: string }
  | { state: "listed"; clips: PulledClip[] }
  | { state: "refused"; status: number; detail: string };

/** A clip or export, as the centre answered. */
export type PullAnswer =
  | { state: "travelling"; pull: EvidencePull }
  | { state: "ready" }
  | { state: "failed"; status: number; detail: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function detailOf(body: unknown, status: number): string {
  if (isObject(body) && typeof body.detail === "string") return body.detail;
  if (isObject(body) && body.detail !== undefined) return JSON.stringify(body.detail);
  return `the centre answered ${status}`;
}

function isPulledClip(value: unknown): value is PulledClip {
  return (
    isObject(value) &&
    typeof value.id === "string" &&
    typeof value.camera_id === "string" &&
    typeof value.start === "string" &&
    typeof value.end === "string" &&
    typeof value.url === "string"
  );
}

function isPull(value: unknown): value is EvidencePull {
  return (
    isObject(value) &&
    typeof value.transfer_id === "string" &&
    typeof value.edge_id === "string" &&
    typeof value.state === "string" &&
    typeof value.received === "number" &&
    (value.size === null || typeof value.size === "number")
  );
}

/** The listing route's answer: 202 while the outpost is asked, 200 with the clips; anything
 * else (404 with the outpost's reason, 409 for an incident from no outpost) is refused. */
export function readListing(probe: Probe): ClipListing {
  const { status, body } = probe;
  if (status === 202 && isObject(body) && body.state === "asking" && typeof body.edge_id === "string") {
    return { state: "asking", edgeId: body.edge_id };
  }
  if (status === 200 && Array.isArray(body) && body.every(isPulledClip)) {
    return { state: "listed", clips: body };
  }
  if (status >= 200 && status < 300) return { state: "refused", status, detail: `unexpected answer (${status}) from the centre` };
  return { state: "refused", status, detail: detailOf(body, status) };
}

/** A clip's or export's answer: 202 with the transfer while it travels, 200 once the centre
 * holds the verified file; 404 (the outpost does not have it, or the pull failed) and any
 * other refusal with the reason. */
export function readPull(probe: Probe): PullAnswer {
  const { status, body } = probe;
  if (status === 202 && isPull(body)) return { state: "travelling", pull: body };
  if (status === 200) return { state: "ready" };
  if (status >= 200 && status < 300) return { state: "failed", status, detail: `unexpected answer (${status}) from the centre` };
  return { state: "failed", status, detail: detailOf(body, status) };
}

/** "512 B", "64.0 kB", "3.2 MB" (decimal units, as a progress line reads). */
export function bytesWords(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  if (bytes < 1_000_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  return `${(bytes / 1_000_000_000).toFixed(2)} GB`;
}

/** A transfer in words (``outpost``: "Outpost A", "outpost edge-a"): "asking Outpost A to
 * open it…" until its size is known, then "1.2 MB of 3.0 MB from Outpost A (40 %)". */
export function progressWords(pull: EvidencePull, outpost: string): string {
  if (pull.size === null || pull.state === "opening") return `asking ${outpost} to open it…`;
  const percent = pull.size > 0 ? Math.floor((Math.min(pull.received, pull.size) / pull.size) * 100) : 100;
  return `${bytesWords(pull.received)} of ${bytesWords(pull.size)} from ${outpost} (${percent} %)`;
}

/** The fraction of a transfer received, for a progress bar; null while its size is unknown. */
export function progressFraction(pull: EvidencePull): number | null {
  if (pull.size === null) return null;
  if (pull.size <= 0) return 1;
  return Math.min(1, Math.max(0, pull.received / pull.size));
}

/** "cam-1 · 12:04:31–12:05:10" (UTC; default: the clip the outpost shows first). */
export function pulledClipLabel(clip: PulledClip): string {
  return `${clip.camera_id} · ${clockZ(clip.start)}–${clockZ(clip.end)}${clip.default ? " · default" : ""}`;
}

/** The listing in the order to offer it: the outpost's default first, then by start time. */
export function orderedClips(clips: readonly PulledClip[]): PulledClip[] {
  return [...clips].sort((a, b) => Number(b.default) - Number(a.default) || a.start.localeCompare(b.start) || a.id.localeCompare(b.id));
}

/** Whether the link can carry ``id`` as a clip's or export's id (a letter or digit, then up
 * to 127 of [A-Za-z0-9._:-], as kordon.link.evidence_wire; the centre answers 400 otherwise). */
export function validItemId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(id);
}

/** The URL that starts a failed pull again. */
export function retryUrl(url: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}retry=true`;
}

export class PulledEvidenceClient {
  constructor(private readonly api: ApiClient) {}

  async clips(incidentId: string): Promise<ClipListing> {
    return readListing(await this.api.probe(`/api/central/incidents/${encodeURIComponent(incidentId)}/clips`));
  }

  /** Asks for a clip or export by its URL at the centre (as listed), starting or joining its pull. */
  async pull(url: string, retry = false): Promise<PullAnswer> {
    return readPull(await this.api.probe(retry ? retryUrl(url) : url));
  }

  exportUrl(incidentId: string, exportId: string): string {
    return `/api/central/incidents/${encodeURIComponent(incidentId)}/exports/${encodeURIComponent(exportId)}`;
  }

  href(path: string): string {
    return this.api.url(path);
  }
}
