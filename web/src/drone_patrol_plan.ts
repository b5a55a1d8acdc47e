// Sector patrol for a drone: the plan → preview → confirm/cancel state machine, the planned
// route as map features (legs, waypoints, where the camera looks), the operator's summary
// and the errors in words. Pure functions only (type imports), unit-tested under node
// (web/tests/drone_patrol.test.mjs); the panel that uses them is web/src/drone_patrol.ts.
//
// The API types are those generated from /api/openapi.json (`npm run gen:api`).
import type { Feature, FeatureCollection } from "geojson";
import type { components as RestComponents } from "./api/openapi.gen";
import type { Drone } from "./types";

type Rest = RestComponents["schemas"];

/** POST /api/drones/{id}/patrol: the planned patrol (nothing uploaded yet). */
export type MissionPlan = Rest["MissionPlanPublic"];
/** POST /api/drones/{id}/missions/confirm: the vehicle acknowledged the upload. */
export type MissionUpload = Rest["MissionUploadPublic"];

/** A sector the operator may patrol (the sectors map layer, within the user's scope). */
export interface Sector {
  id: string;
  name: string;
}

// -- the state machine --------------------------------------------------------------------

/** Where the patrol prompt is. `failed.plan` is the plan to keep drawn (none after a refusal). */
export type PatrolState =
  | { phase: "idle" }
  | { phase: "planning"; droneId: string; sectorId: string }
  | { phase: "preview"; plan: MissionPlan }
  | { phase: "uploading"; plan: MissionPlan }
  | { phase: "uploaded"; plan: MissionPlan; upload: MissionUpload }
  | { phase: "failed"; stage: "plan" | "upload"; message: string; plan: MissionPlan | null };

export type PatrolEvent =
  | { type: "plan"; droneId: string; sectorId: string }
  | { type: "planned"; plan: MissionPlan }
  | { type: "confirm" }
  | { type: "uploaded"; upload: MissionUpload }
  | { type: "failed"; status: number | null; detail: string }
  | { type: "expired" }
  | { type: "cancel" };

export const IDLE: PatrolState = { phase: "idle" };

/** The next state; an event that does not apply in `state` leaves it as it is (the same
 * object), so a late answer of an abandoned request changes nothing. */
export function step(state: PatrolState, event: PatrolEvent): PatrolState {
  switch (event.type) {
    case "plan":
      if (state.phase === "idle" || state.phase === "failed" || state.phase === "uploaded") {
        if (!event.droneId || !event.sectorId) return state;
        return { phase: "planning", droneId: event.droneId, sectorId: event.sectorId };
      }
      return state;
    case "planned":
      if (
        state.phase === "planning" &&
        event.plan.kind === "patrol" &&
        event.plan.drone_id === state.droneId &&
        event.plan.sector_id === state.sectorId
      ) {
        return { phase: "preview", plan: event.plan };
      }
      return state;
    case "confirm":
      return state.phase === "preview" ? { phase: "uploading", plan: state.plan } : state;
    case "uploaded":
      if (state.phase === "uploading" && event.upload.drone_id === state.plan.drone_id) {
        return { phase: "uploaded", plan: state.plan, upload: event.upload };
      }
      return state;
    case "failed":
      if (state.phase === "planning") {
        return { phase: "failed", stage: "plan", message: errorText("plan", event.status, event.detail), plan: null };
      }
      if (state.phase === "uploading") {
        // the token is used up whatever happened: nothing to confirm, nothing to cancel
        return { phase: "failed", stage: "upload", message: errorText("upload", event.status, event.detail), plan: null };
      }
      return state;
    case "expired":
      if (state.phase === "preview") {
        return { phase: "failed", stage: "plan", message: "The plan expired before it was confirmed: plan again.", plan: null };
      }
      return state;
    case "cancel":
      return state.phase === "uploading" ? state : IDLE;
  }
}

/** The token to cancel on the API when going from `before` to `after` (a previewed plan
 * dropped by Cancel or Esc), else null. */
export function tokenToCancel(before: PatrolState, after: PatrolState): { droneId: string; token: string } | null {
  if (before.phase === "preview" && after.phase !== "preview" && after.phase !== "uploading") {
    return { droneId: before.plan.drone_id, token: before.plan.token };
  }
  return null;
}

/** The plan to draw on the map in `state` (the preview, the upload, the mission flown). */
export function shownPlan(state: PatrolState): MissionPlan | null {
  switch (state.phase) {
    case "preview":
    case "uploading":
    case "uploaded":
      return state.plan;
    case "failed":
      return state.plan;
    case "idle":
    case "planning":
      return null;
  }
}

/** An API refusal in words for the operator (status null: no answer at all). */
export function errorText(stage: "plan" | "upload", status: number | null, detail: string): string {
  const why = detail.trim().replace(/^refused: /, "") || "no reason given";
  const sentence = why.charAt(0).toUpperCase() + why.slice(1); // as a sentence of its own
  if (status === null) return `No answer from the node (${why}); nothing was sent to the drone.`;
  if (status === 403) return "Your role may not task drones.";
  if (stage === "plan") {
    switch (status) {
      case 404:
        return `Unknown drone or sector, or a sector outside your scope: ${why}.`;
      case 409:
        return `The drone cannot take a mission now (offline, no position or busy): ${why}.`;
      case 422:
        return `No safe patrol: it would cross the border or its buffer. ${sentence}`;
      default:
        return `Planning failed (${status}): ${why}.`;
    }
  }
  switch (status) {
    case 404:
      return `The plan is gone (unknown or outside your scope): ${why}. Plan again.`;
    case 409:
      return `Upload refused: ${why}. Nothing was sent; plan again.`;
    case 422:
      return `Upload refused, the mission would cross the border or its buffer: ${why}. Nothing flies.`;
    case 502:
      return `The drone refused the mission: ${why}. Nothing flies.`;
    case 504:
      return `The drone did not answer the upload in time; it was cancelled and nothing flies. ${sentence}`;
    default:
      return `Upload failed (${status}): ${why}.`;
  }
}

// -- choices -----------------------------------------------------------------------------

/** Sectors of the map layer that `scope` allows (an empty scope: every sector), by name. */
export function sectorChoices(
  layer: { features: readonly { id?: string | number; properties: Record<string, unknown> | null }[] },
  scope: readonly string[],
): Sector[] {
  const out: Sector[] = [];
  for (const feature of layer.features) {
    const props = feature.properties ?? {};
    const rawId: unknown = props["id"] ?? feature.id;
    const id = typeof rawId === "string" ? rawId : typeof rawId === "number" ? String(rawId) : "";
    if (!id || (scope.length > 0 && !scope.includes(id))) continue;
    const rawName: unknown = props["name"];
    out.push({ id, name: typeof rawName === "string" && rawName ? rawName : id });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** Whether a drone can be offered for a patrol now, and if not, why. */
export function droneReadiness(drone: Drone): { ok: boolean; why: string } {
  if (drone.link === "lost") return { ok: false, why: "link lost" };
  return { ok: true, why: "" };
}

// -- geometry ----------------------------------------------------------------------------

const EARTH_RADIUS_M = 6_371_008.8;

function rad(deg: number): number {
  return (deg * Math.PI) / 180;
}

/** Great-circle distance between two [lon, lat] points in metres. */
export function distanceM(a: readonly number[], b: readonly number[]): number {
  const [lon1 = 0, lat1 = 0] = a;
  const [lon2 = 0, lat2 = 0] = b;
  const dLat = rad(lat2 - lat1);
  const dLon = rad(lon2 - lon1);
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** Initial bearing from `a` to `b` ([lon, lat]), degrees clockwise from north in [0, 360). */
export function bearingDeg(a: readonly number[], b: readonly number[]): number {
  const [lon1 = 0, lat1 = 0] = a;
  const [lon2 = 0, lat2 = 0] = b;
  const y = Math.sin(rad(lon2 - lon1)) * Math.cos(rad(lat2));
  const x = Math.cos(rad(lat1)) * Math.sin(rad(lat2)) - Math.sin(rad(lat1)) * Math.cos(rad(lat2)) * Math.cos(rad(lon2 - lon1));
  const deg = (Math.atan2(y, x) * 180) / Math.PI;
  return (deg + 360) % 360;
}

export type LegRole = "transit" | "patrol" | "return";

export interface Leg {
  index: number;
  role: LegRole;
  from: number[];
  to: number[];
  length_m: number;
  bearing_deg: number;
}

function same(a: readonly number[], b: readonly number[] | null | undefined): boolean {
  return !!b && distanceM(a, b) < 1;
}

/** The route as flown in legs: the first from where the drone is (`transit`, unless the
 * drone is at a waypoint already), the last back to its home (`return`, when the route ends
 * there), the patrol between. Zero-length legs (a waypoint where the drone already is) are
 * left out. */
export function routeLegs(plan: MissionPlan): Leg[] {
  const legs: Leg[] = [];
  const route = plan.route;
  for (let i = 0; i + 1 < route.length; i++) {
    const from = route[i]!;
    const to = route[i + 1]!;
    const length = distanceM(from, to);
    if (length < 0.5) continue;
    legs.push({ index: 0, role: "patrol", from, to, length_m: length, bearing_deg: bearingDeg(from, to) });
  }
  const first = legs[0];
  const startsOnWaypoint = waypoints(plan).some((w) => same(w.position, plan.start));
  if (first && same(first.from, plan.start) && !startsOnWaypoint) first.role = "transit";
  const last = legs[legs.length - 1];
  if (last && legs.length > 1 && same(last.to, plan.home ?? plan.start)) last.role = "return";
  legs.forEach((leg, i) => (leg.index = i + 1));
  return legs;
}

export interface Waypoint {
  seq: number;
  position: number[];
  alt_m: number;
  command: string;
  /** Where the camera looks from here (the ROI set before it), or null. */
  looks_at: number[] | null;
}

/** The navigation items with a position and altitude, each with the camera's point of
 * interest set before it (a patrol points the camera at the border). */
export function waypoints(plan: MissionPlan): Waypoint[] {
  const out: Waypoint[] = [];
  let roi: number[] | null = null;
  for (const item of plan.items) {
    if (item.command === "DO_SET_ROI_LOCATION" && item.lat !== null && item.lon !== null) {
      roi = [item.lon, item.lat];
    } else if (item.command === "DO_SET_ROI_NONE") {
      roi = null;
    } else if (item.lat !== null && item.lon !== null && item.alt_m !== null) {
      out.push({ seq: item.seq, position: [item.lon, item.lat], alt_m: item.alt_m, command: item.command, looks_at: roi });
    }
  }
  return out;
}

function feature(geometry: Feature["geometry"], properties: Record<string, unknown>): Feature {
  return { type: "Feature", geometry, properties };
}

/** The planned patrol for the map: each leg (`role` transit / patrol / return), each
 * waypoint (`wp`, with `title`), the camera's line of sight from it (`aim`), where the drone
 * is (`start`) and its home (`home`). `state` (preview / uploading / uploaded) styles it. */
export function patrolFeatures(plan: MissionPlan, state = "preview"): FeatureCollection {
  const features: Feature[] = [];
  for (const leg of routeLegs(plan)) {
    features.push(
      feature(
        { type: "LineString", coordinates: [leg.from, leg.to] },
        { role: leg.role, leg: leg.index, state, title: `Leg ${leg.index} (${leg.role}): ${metres(leg.length_m)}, ${Math.round(leg.bearing_deg)}°` },
      ),
    );
  }
  const seen = new Set<string>();
  for (const wp of waypoints(plan)) {
    const key = wp.position.map((v) => v.toFixed(7)).join(",");
    if (wp.looks_at && !seen.has(key)) {
      seen.add(key); // out and back: one line of sight per place
      features.push(feature({ type: "LineString", coordinates: [wp.position, wp.looks_at] }, { role: "aim", state }));
    }
    features.push(
      feature(
        { type: "Point", coordinates: wp.position },
        { role: "wp", seq: wp.seq, state, title: `#${wp.seq} ${wp.command}, ${Math.round(wp.alt_m)} m above home` },
      ),
    );
  }
  features.push(feature({ type: "Point", coordinates: plan.start }, { role: "start", state, title: `${plan.drone_id} is here` }));
  if (plan.home) features.push(feature({ type: "Point", coordinates: plan.home }, { role: "home", state, title: "Home (return to launch)" }));
  return { type: "FeatureCollection", features };
}

/** [west, south, east, north] around the route, the start and the home. */
export function planBounds(plan: MissionPlan): [number, number, number, number] {
  const points = [...plan.route, plan.start, ...(plan.home ? [plan.home] : [])];
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [lon = 0, lat = 0] of points) {
    w = Math.min(w, lon);
    e = Math.max(e, lon);
    s = Math.min(s, lat);
    n = Math.max(n, lat);
  }
  return [w, s, e, n];
}

// -- words -------------------------------------------------------------------------------

export function metres(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} km` : `${Math.round(value)} m`;
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s` : `${s} s`;
}

/** Seconds left to confirm at `nowMs` (never below 0). */
export function secondsLeft(plan: MissionPlan, nowMs: number): number {
  return Math.max(0, Math.floor((Date.parse(plan.expires_at) - nowMs) / 1000));
}

/** The border check of the API's answer: the closest approach against the buffer. */
export function borderCheck(plan: MissionPlan): { ok: boolean; text: string } {
  const ok = plan.border_clearance_m >= plan.buffer_m;
  const text = ok
    ? `Never crosses the border or its ${metres(plan.buffer_m)} buffer: closest ${metres(plan.border_clearance_m)}`
    : `WITHIN THE ${metres(plan.buffer_m)} BUFFER: closest ${metres(plan.border_clearance_m)} — do not confirm`;
  return { ok, text };
}

/** The patrol's offset inland, when the node sends it (`offset_m`, a newer API); else null. */
export function offsetOf(plan: MissionPlan): number | null {
  const value: unknown = (plan as MissionPlan & { offset_m?: unknown }).offset_m;
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** What the operator confirms, as label/value rows. */
export function patrolSummary(plan: MissionPlan, sectorName: string, nowMs: number): [string, string][] {
  const legs = routeLegs(plan);
  const patrolM = legs.filter((l) => l.role === "patrol").reduce((sum, l) => sum + l.length_m, 0);
  const offset = offsetOf(plan);
  const rows: [string, string][] = [
    ["Drone", plan.drone_id],
    ["Sector", sectorName === plan.sector_id || !sectorName ? (plan.sector_id ?? "?") : `${sectorName} (${plan.sector_id ?? "?"})`],
    ["Route", `${legs.length} legs · ${plan.waypoints} waypoints · ${metres(plan.path_length_m)} (${metres(patrolM)} along the border)`],
    ["Flight time", `about ${duration(plan.duration_s)} at ${plan.speed_mps} m/s`],
    ["Altitude", `${Math.round(plan.altitude_m)} m above home`],
  ];
  if (offset !== null) rows.push(["Offset", `${metres(offset)} inland, on the home side`]);
  rows.push(["Border check", borderCheck(plan).text]);
  rows.push(["Confirm within", duration(secondsLeft(plan, nowMs))]);
  return rows;
}

/** The upload's outcome in words. */
export function uploadText(upload: MissionUpload): string {
  const resent = upload.resent ? `, ${upload.resent} resent` : "";
  return `Patrol accepted by ${upload.drone_id}: ${upload.items} items in ${upload.elapsed_s.toFixed(1)} s${resent}`;
}

export type ExportFormat = "plan" | "waypoints";

/** Where the sector's patrol mission file is served (GET, QGroundControl `.plan` or WPL 110
 * `.waypoints`): the same mission a patrol plan uploads. */
export function exportPath(sectorId: string, format: ExportFormat): string {
  return `/api/drones/patrols/${encodeURIComponent(sectorId)}/mission.${format}`;
}
