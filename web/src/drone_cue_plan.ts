// "Send drone": the planned mission in words and on the map. Pure functions only (type
// imports), unit-tested under node (web/tests/drone_cue.test.mjs); the prompt that uses them
// is web/src/drone_cue.ts.
//
// The API types are those generated from /api/openapi.json (`npm run gen:api`).
import type { Feature, FeatureCollection } from "geojson";
import type { components as RestComponents } from "./api/openapi.gen";
import type { Drone } from "./types";

type Rest = RestComponents["schemas"];

export type MissionItem = Rest["MissionItemPublic"];
export type Loiter = Rest["LoiterPublic"];
/** POST /api/incidents/{id}/drone-cue and /api/drones/{id}/patrol: planned, not uploaded. */
export type MissionPlan = Rest["MissionPlanPublic"];
/** POST /api/drones/{id}/missions/confirm: the vehicle acknowledged the upload. */
export type MissionUpload = Rest["MissionUploadPublic"];

export interface DroneChoice {
  id: string;
  label: string;
  disabled: boolean;
}

const M_PER_DEG_LAT = 111_320;

function metres(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} km` : `${Math.round(value)} m`;
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s` : `${s} s`;
}

/** Drones to offer: linked ones first (by id), a drone whose link is lost shown but disabled. */
export function droneChoices(drones: Drone[]): DroneChoice[] {
  const sorted = [...drones].sort(
    (a, b) => Number(a.link === "lost") - Number(b.link === "lost") || a.drone_id.localeCompare(b.drone_id),
  );
  return sorted.map((d) => {
    const battery = d.battery_pct === null ? "" : ` · ${Math.round(d.battery_pct)} %`;
    const lost = d.link === "lost";
    return { id: d.drone_id, label: `${d.drone_id}${battery}${lost ? " · LINK LOST" : ""}`, disabled: lost };
  });
}

/** Seconds left to confirm at `nowMs` (never below 0). */
export function secondsLeft(plan: MissionPlan, nowMs: number): number {
  return Math.max(0, Math.floor((Date.parse(plan.expires_at) - nowMs) / 1000));
}

/** What the operator confirms, as label/value rows. */
export function planSummary(plan: MissionPlan, nowMs: number): [string, string][] {
  const rows: [string, string][] = [
    ["Drone", plan.drone_id],
    ["Mission", plan.kind === "cue" ? `cue to incident ${plan.incident_id ?? "?"}` : `patrol of ${plan.sector_id ?? "?"}`],
    ["Route", `${plan.waypoints} waypoints · ${metres(plan.path_length_m)} · about ${duration(plan.duration_s)}`],
    ["Altitude", `${Math.round(plan.altitude_m)} m above home · ${plan.speed_mps} m/s`],
  ];
  const loiter = plan.loiter;
  if (loiter) {
    const where = loiter.standoff_m > 0 ? `${metres(loiter.standoff_m)} from the incident` : "over the incident";
    rows.push(["Loiter", `${duration(loiter.seconds)}, ${Math.round(loiter.radius_m)} m radius, ${where}`]);
    if (loiter.incident_across) rows.push(["Incident", "across the border: watched from the home side"]);
  }
  rows.push([
    "Border clearance",
    `${metres(plan.border_clearance_m)} at the closest (buffer ${metres(plan.buffer_m)})`,
  ]);
  rows.push(["Confirm within", duration(secondsLeft(plan, nowMs))]);
  return rows;
}

/** A ring of `points` [lon, lat] around `center` at `radiusM` (closed). */
export function ring(center: number[], radiusM: number, points = 36): number[][] {
  const [lon = 0, lat = 0] = center;
  const perLon = M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);
  const out: number[][] = [];
  for (let i = 0; i <= points; i++) {
    const a = (2 * Math.PI * i) / points;
    out.push([lon + (radiusM * Math.sin(a)) / perLon, lat + (radiusM * Math.cos(a)) / M_PER_DEG_LAT]);
  }
  return out;
}

/** The planned route for the map: the path (`role: route`), where it starts (`start`), the
 * loiter circle (`loiter`) and the incident (`target`). */
export function planFeatures(plan: MissionPlan): FeatureCollection {
  const features: Feature[] = [
    {
      type: "Feature",
      properties: { role: "route", drone_id: plan.drone_id },
      geometry: { type: "LineString", coordinates: plan.route },
    },
    { type: "Feature", properties: { role: "start" }, geometry: { type: "Point", coordinates: plan.start } },
  ];
  const loiter = plan.loiter;
  if (loiter) {
    features.push({
      type: "Feature",
      properties: { role: "loiter" },
      geometry: { type: "LineString", coordinates: ring([loiter.lon, loiter.lat], loiter.radius_m) },
    });
  }
  if (plan.target) {
    features.push({ type: "Feature", properties: { role: "target" }, geometry: { type: "Point", coordinates: plan.target } });
  }
  return { type: "FeatureCollection", features };
}

/** The upload's outcome in words. */
export function uploadText(upload: MissionUpload): string {
  const resent = upload.resent ? `, ${upload.resent} resent` : "";
  return `Mission uploaded to ${upload.drone_id}: ${upload.items} items in ${upload.elapsed_s.toFixed(1)} s${resent}`;
}
