// Drones on the map: an arrow turned to the heading, a trail, the camera footprint, and a
// tooltip with altitude, battery and link. Only MapLibre types are imported: the pure
// functions below are unit-tested under node (web/tests/drones.test.mjs).
import type { Feature, FeatureCollection } from "geojson";
import type { GeoJSONSource, Map as MapLibreMap, MapLayerMouseEvent } from "maplibre-gl";

/** A drone as the live feed sends it (`{"type": "drone", "data": DronePublic}`). */
export type { Drone as DronePublic } from "../types";
import type { Drone as DronePublic } from "../types";

export const DRONE_TRAIL_POINTS = 120;
/** Trail points closer than this to the previous one are not kept (metres). */
export const DRONE_TRAIL_MIN_STEP_M = 2;
const ICON = "drone-arrow";
const M_PER_DEG_LAT = 111_320;

/** Approximate ground distance in metres between two [lon, lat] points (short range). */
export function distanceM(a: number[], b: number[]): number {
  const [lon1 = 0, lat1 = 0] = a;
  const [lon2 = 0, lat2 = 0] = b;
  const east = (lon2 - lon1) * M_PER_DEG_LAT * Math.cos((((lat1 + lat2) / 2) * Math.PI) / 180);
  const north = (lat2 - lat1) * M_PER_DEG_LAT;
  return Math.hypot(east, north);
}

/** The trail with `point` appended: at most `max` points, none closer than `minStepM`. */
export function appendTrail(
  trail: number[][],
  point: number[],
  max = DRONE_TRAIL_POINTS,
  minStepM = DRONE_TRAIL_MIN_STEP_M,
): number[][] {
  const last = trail[trail.length - 1];
  if (last && distanceM(last, point) < minStepM) return trail;
  const next = [...trail, point];
  return next.length > max ? next.slice(next.length - max) : next;
}

/** Icon rotation in degrees (clockwise from north, as MapLibre's `icon-rotate`). */
export function iconRotation(drone: DronePublic): number {
  const heading = drone.heading_deg;
  if (heading === null || !Number.isFinite(heading)) return 0;
  return ((heading % 360) + 360) % 360;
}

function fixed(value: number | null, digits: number, unit: string): string {
  return value === null || !Number.isFinite(value) ? "?" : `${value.toFixed(digits)} ${unit}`;
}

/** The tooltip: who, altitude (above home, and above sea level), speed, battery, mode, link. */
export function droneTitle(drone: DronePublic): string {
  const alt =
    drone.relative_alt_m !== null
      ? `${fixed(drone.relative_alt_m, 0, "m")} above home (${fixed(drone.alt_m, 0, "m")} AMSL)`
      : `${fixed(drone.alt_m, 0, "m")} AMSL`;
  const link = drone.link === "lost" ? "LINK LOST" : "link ok";
  const armed = drone.armed ? "armed" : "disarmed";
  const lines = [
    `Drone ${drone.drone_id}`,
    `altitude ${alt}`,
    `speed ${fixed(drone.ground_speed_mps, 1, "m/s")}, heading ${fixed(drone.heading_deg, 0, "°")}`,
    `battery ${drone.battery_pct === null ? "?" : `${Math.round(drone.battery_pct)} %`}`,
    `${drone.mode || "mode ?"}, ${armed}, ${link}`,
  ];
  if (drone.footprint.length === 0 && drone.footprint_note) lines.push(`no footprint: ${drone.footprint_note}`);
  return lines.join("\n");
}

/** The camera footprint as a polygon feature, or null when the drone has none. */
export function footprintFeature(drone: DronePublic): Feature | null {
  const ring = drone.footprint;
  if (ring.length < 4) return null;
  const first = ring[0];
  const last = ring[ring.length - 1];
  const closed = first && last && first[0] === last[0] && first[1] === last[1] ? ring : [...ring, first ?? []];
  return {
    type: "Feature",
    geometry: { type: "Polygon", coordinates: [closed] },
    properties: { drone_id: drone.drone_id, link: drone.link },
  };
}

/** The drone symbol as a point feature with what the style reads. */
export function droneFeature(drone: DronePublic): Feature {
  return {
    type: "Feature",
    geometry: { type: "Point", coordinates: [drone.lon, drone.lat] },
    properties: {
      drone_id: drone.drone_id,
      rotation: iconRotation(drone),
      lost: drone.link === "lost",
      title: droneTitle(drone),
    },
  };
}

function collection(features: Feature[]): FeatureCollection {
  return { type: "FeatureCollection", features };
}

function arrowImage(size = 32): ImageData {
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext("2d");
  if (!ctx) return new ImageData(size, size);
  ctx.beginPath();
  ctx.moveTo(size / 2, 2);
  ctx.lineTo(size - 5, size - 4);
  ctx.lineTo(size / 2, size - 11);
  ctx.lineTo(5, size - 4);
  ctx.closePath();
  ctx.fillStyle = "#4dd2ff";
  ctx.strokeStyle = "#0b0f12";
  ctx.lineWidth = 2;
  ctx.fill();
  ctx.stroke();
  return ctx.getImageData(0, 0, size, size);
}

/** Add the drone sources and layers (footprints under trails under symbols). */
export function addDroneLayers(map: MapLibreMap): void {
  if (!map.hasImage(ICON)) map.addImage(ICON, arrowImage());
  map.addSource("drone-footprints", { type: "geojson", data: collection([]) });
  map.addLayer({
    id: "drone-footprints",
    type: "fill",
    source: "drone-footprints",
    paint: { "fill-color": "#4dd2ff", "fill-opacity": 0.15, "fill-outline-color": "#4dd2ff" },
  });
  map.addSource("drone-trails", { type: "geojson", data: collection([]) });
  map.addLayer({
    id: "drone-trails",
    type: "line",
    source: "drone-trails",
    layout: { "line-cap": "round", "line-join": "round" },
    paint: { "line-color": "#4dd2ff", "line-width": 2, "line-opacity": 0.7 },
  });
  map.addSource("drones", { type: "geojson", data: collection([]) });
  map.addLayer({
    id: "drones",
    type: "symbol",
    source: "drones",
    layout: {
      "icon-image": ICON,
      "icon-rotate": ["get", "rotation"],
      "icon-rotation-alignment": "map",
      "icon-allow-overlap": true,
      "icon-ignore-placement": true,
    },
    paint: { "icon-opacity": ["case", ["get", "lost"], 0.4, 1] },
  });
}

/** Keeps the latest state and trail of every drone and draws them. */
export class DroneLayer {
  private readonly drones = new Map<string, DronePublic>();
  private readonly trails = new Map<string, number[][]>();

  constructor(private readonly map: MapLibreMap) {
    map.on("mousemove", "drones", (e: MapLayerMouseEvent) => {
      const title: unknown = e.features?.[0]?.properties?.["title"];
      map.getCanvas().title = typeof title === "string" ? title : "";
    });
    map.on("mouseleave", "drones", () => {
      map.getCanvas().title = "";
    });
  }

  /** Take in one `drone` message from the live feed and redraw. */
  update(drone: DronePublic): void {
    this.drones.set(drone.drone_id, drone);
    this.trails.set(drone.drone_id, appendTrail(this.trails.get(drone.drone_id) ?? [], [drone.lon, drone.lat]));
    this.render();
  }

  private render(): void {
    const symbols: Feature[] = [];
    const footprints: Feature[] = [];
    const trails: Feature[] = [];
    for (const [id, drone] of this.drones) {
      symbols.push(droneFeature(drone));
      const footprint = footprintFeature(drone);
      if (footprint) footprints.push(footprint);
      const trail = this.trails.get(id) ?? [];
      if (trail.length >= 2) {
        trails.push({ type: "Feature", geometry: { type: "LineString", coordinates: trail }, properties: { drone_id: id } });
      }
    }
    void this.map.getSource<GeoJSONSource>("drones")?.setData(collection(symbols));
    void this.map.getSource<GeoJSONSource>("drone-footprints")?.setData(collection(footprints));
    void this.map.getSource<GeoJSONSource>("drone-trails")?.setData(collection(trails));
  }
}
