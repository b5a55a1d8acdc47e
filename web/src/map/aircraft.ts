// Cooperative aircraft (ADS-B, ASTERIX CAT021) on the map, apart from the fused ground picture:
// an aircraft symbol turned to the track, a one-minute velocity leader, and a label with the
// callsign and altitude. They come from the live feed (`{"type": "aircraft", ...}`); one the
// node reports `expired` is removed, and so is one the browser has not heard of for
// AIRCRAFT_STALE_S (a message lost over a reconnect). Only types are imported, and the HTML
// labels are made by a factory the caller passes, so node's test runner loads this module
// alone (web/tests/aircraft.test.mjs).
import type { Feature, FeatureCollection } from "geojson";
import type { GeoJSONSource, Map as MapLibreMap, MapLayerMouseEvent } from "maplibre-gl";

/** What the map reads of an `aircraft` message (the live feed's AircraftPublic). */
export interface AircraftReport {
  key: string;
  icao_address: string | null;
  callsign: string | null;
  time: string;
  sensor_id: string;
  lat: number;
  lon: number;
  flight_level: number | null;
  geometric_altitude_ft: number | null;
  ground_speed_mps: number | null;
  track_deg: number | null;
  mode3a: string | null;
  status: "current" | "expired";
}

export const AIRCRAFT_SOURCE = "aircraft";
export const AIRCRAFT_VECTOR_SOURCE = "aircraft-vectors";
export const AIRCRAFT_LAYERS = ["aircraft", "aircraft-vectors"] as const;
/** An aircraft not heard of for this long is removed even without an `expired` message (s). */
export const AIRCRAFT_STALE_S = 90;
/** How often stale aircraft are looked for (ms). */
export const AIRCRAFT_PRUNE_MS = 5_000;
/** The velocity leader shows where the aircraft will be after this long (s). */
export const AIRCRAFT_LEADER_S = 60;
export const AIRCRAFT_COLOUR = "#ffd24d";
const ICON = "aircraft-icon";
const EARTH_RADIUS_M = 6_371_000;
const KNOTS_PER_MPS = 3600 / 1852;
/** Squawks that mean an emergency: hijack, radio failure, general emergency. */
export const EMERGENCY_SQUAWKS = new Set(["7500", "7600", "7700"]);

function finite(value: number | null): value is number {
  return value !== null && Number.isFinite(value);
}

function usable(report: AircraftReport): boolean {
  return (
    typeof report.key === "string" &&
    report.key !== "" &&
    Number.isFinite(report.lat) &&
    Number.isFinite(report.lon) &&
    Math.abs(report.lat) <= 90 &&
    Math.abs(report.lon) <= 180
  );
}

/** "FL350" from the barometric level, else the geometric altitude ("4 500 ft"); "" with neither. */
export function altitudeText(report: AircraftReport): string {
  if (finite(report.flight_level)) return `FL${String(Math.round(report.flight_level)).padStart(3, "0")}`;
  if (finite(report.geometric_altitude_ft)) return `${Math.round(report.geometric_altitude_ft / 100) * 100} ft`;
  return "";
}

/** The callsign, else the ICAO address, else the key. */
export function aircraftName(report: AircraftReport): string {
  const callsign = report.callsign?.trim();
  if (callsign) return callsign;
  return report.icao_address ?? report.key;
}

/** The label beside the symbol: name and altitude. */
export function aircraftLabel(report: AircraftReport): string {
  const altitude = altitudeText(report);
  return altitude ? `${aircraftName(report)} ${altitude}` : aircraftName(report);
}

/** Icon rotation in degrees (clockwise from north, as MapLibre's `icon-rotate`). */
export function aircraftRotation(report: AircraftReport): number {
  return finite(report.track_deg) ? ((report.track_deg % 360) + 360) % 360 : 0;
}

/** The tooltip: who, altitude, speed and track, squawk, which station and how long ago. */
export function aircraftTitle(report: AircraftReport, nowMs: number): string {
  const who = report.icao_address ? `${aircraftName(report)} (ICAO ${report.icao_address})` : aircraftName(report);
  const lines = [`Aircraft ${who}`];
  const levels: string[] = [];
  if (finite(report.flight_level)) levels.push(`FL${String(Math.round(report.flight_level)).padStart(3, "0")}`);
  if (finite(report.geometric_altitude_ft)) levels.push(`${Math.round(report.geometric_altitude_ft)} ft geometric`);
  lines.push(levels.length ? levels.join(" · ") : "altitude ?");
  if (finite(report.ground_speed_mps)) {
    const track = finite(report.track_deg) ? `, track ${String(Math.round(aircraftRotation(report)) % 360).padStart(3, "0")}°` : "";
    lines.push(`${Math.round(report.ground_speed_mps)} m/s (${Math.round(report.ground_speed_mps * KNOTS_PER_MPS)} kt)${track}`);
  }
  if (report.mode3a) lines.push(`squawk ${report.mode3a}${EMERGENCY_SQUAWKS.has(report.mode3a) ? " EMERGENCY" : ""}`);
  const at = Date.parse(report.time);
  const age = Number.isFinite(at) ? `${Math.max(0, Math.round((nowMs - at) / 1000))} s ago` : "time unknown";
  lines.push(`ADS-B via ${report.sensor_id}, ${age}`);
  return lines.join("\n");
}

/** The point `distanceM` along `bearingDeg` from [lon, lat] (great circle). */
export function destination(lonLat: [number, number], bearingDeg: number, distanceM: number): [number, number] {
  const [lon, lat] = lonLat;
  const d = distanceM / EARTH_RADIUS_M;
  const b = (bearingDeg * Math.PI) / 180;
  const p1 = (lat * Math.PI) / 180;
  const l1 = (lon * Math.PI) / 180;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [((((l2 * 180) / Math.PI + 540) % 360) - 180), (p2 * 180) / Math.PI];
}

/** The latest report of every aircraft on the map, by key; what the layer draws. */
export class AircraftPicture {
  private readonly reports = new Map<string, AircraftReport>();
  private readonly heardMs = new Map<string, number>();

  constructor(private readonly staleS = AIRCRAFT_STALE_S) {}

  get size(): number {
    return this.reports.size;
  }

  /** Take in one message received at `nowMs`; false when it changed nothing (unusable, or
   * older than what is drawn). An `expired` message removes the aircraft. */
  update(report: AircraftReport, nowMs: number): boolean {
    if (!usable(report)) return false;
    const known = this.reports.get(report.key);
    if (report.status === "expired") {
      if (!known || Date.parse(known.time) > Date.parse(report.time)) return false;
      this.remove(report.key);
      return true;
    }
    if (known && Date.parse(known.time) > Date.parse(report.time)) return false;
    this.reports.set(report.key, report);
    this.heardMs.set(report.key, nowMs);
    return true;
  }

  /** Remove the aircraft not heard of for `staleS` at `nowMs`; the keys removed. */
  prune(nowMs: number): string[] {
    const gone: string[] = [];
    for (const [key, heard] of this.heardMs) {
      if (nowMs - heard > this.staleS * 1000) gone.push(key);
    }
    for (const key of gone) this.remove(key);
    return gone;
  }

  clear(): void {
    this.reports.clear();
    this.heardMs.clear();
  }

  private remove(key: string): void {
    this.reports.delete(key);
    this.heardMs.delete(key);
  }

  /** Every aircraft, by key. */
  list(): AircraftReport[] {
    return [...this.reports.keys()].sort().map((key) => this.reports.get(key)!);
  }

  /** The symbols: a point per aircraft with what the style reads. */
  features(nowMs: number): FeatureCollection {
    const features: Feature[] = this.list().map((report) => ({
      type: "Feature",
      id: report.key,
      geometry: { type: "Point", coordinates: [report.lon, report.lat] },
      properties: {
        key: report.key,
        rotation: aircraftRotation(report),
        label: aircraftLabel(report),
        emergency: report.mode3a !== null && EMERGENCY_SQUAWKS.has(report.mode3a),
        title: aircraftTitle(report, nowMs),
      },
    }));
    return { type: "FeatureCollection", features };
  }

  /** The velocity leaders: where each moving aircraft will be in `leaderS`. */
  vectors(leaderS = AIRCRAFT_LEADER_S): FeatureCollection {
    const features: Feature[] = [];
    for (const report of this.list()) {
      if (!finite(report.ground_speed_mps) || !finite(report.track_deg) || report.ground_speed_mps <= 0) continue;
      const from: [number, number] = [report.lon, report.lat];
      const to = destination(from, report.track_deg, report.ground_speed_mps * leaderS);
      features.push({
        type: "Feature",
        geometry: { type: "LineString", coordinates: [from, to] },
        properties: { key: report.key },
      });
    }
    return { type: "FeatureCollection", features };
  }
}

function planeImage(size = 32): ImageData {
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext("2d");
  if (!ctx) return new ImageData(size, size);
  const c = size / 2;
  // fuselage, wings and tailplane of an aircraft seen from above, nose up
  ctx.beginPath();
  ctx.moveTo(c, 2);
  ctx.lineTo(c + 2.5, 8);
  ctx.lineTo(c + 2.5, 12);
  ctx.lineTo(size - 3, 18);
  ctx.lineTo(size - 3, 21);
  ctx.lineTo(c + 2.5, 17);
  ctx.lineTo(c + 2, 25);
  ctx.lineTo(c + 6, 28);
  ctx.lineTo(c + 6, 30);
  ctx.lineTo(c, 28.5);
  ctx.lineTo(c - 6, 30);
  ctx.lineTo(c - 6, 28);
  ctx.lineTo(c - 2, 25);
  ctx.lineTo(c - 2.5, 17);
  ctx.lineTo(3, 21);
  ctx.lineTo(3, 18);
  ctx.lineTo(c - 2.5, 12);
  ctx.lineTo(c - 2.5, 8);
  ctx.closePath();
  ctx.fillStyle = AIRCRAFT_COLOUR;
  ctx.strokeStyle = "#0b0f12";
  ctx.lineWidth = 1.5;
  ctx.fill();
  ctx.stroke();
  return ctx.getImageData(0, 0, size, size);
}

function empty(): FeatureCollection {
  return { type: "FeatureCollection", features: [] };
}

/** Add the aircraft sources and layers (leaders under symbols). */
export function addAircraftLayers(map: MapLibreMap): void {
  if (!map.hasImage(ICON)) map.addImage(ICON, planeImage());
  map.addSource(AIRCRAFT_VECTOR_SOURCE, { type: "geojson", data: empty() });
  map.addLayer({
    id: "aircraft-vectors",
    type: "line",
    source: AIRCRAFT_VECTOR_SOURCE,
    paint: { "line-color": AIRCRAFT_COLOUR, "line-width": 1.2, "line-opacity": 0.7, "line-dasharray": [3, 2] },
  });
  map.addSource(AIRCRAFT_SOURCE, { type: "geojson", data: empty() });
  map.addLayer({
    id: "aircraft",
    type: "symbol",
    source: AIRCRAFT_SOURCE,
    layout: {
      "icon-image": ICON,
      "icon-rotate": ["get", "rotation"],
      "icon-rotation-alignment": "map",
      "icon-allow-overlap": true,
      "icon-ignore-placement": true,
    },
  });
}

/** What the layer needs of a map marker (MapLibre's `Marker`). */
export interface LabelMarker {
  setLngLat(lngLat: [number, number]): unknown;
  getElement(): HTMLElement;
  remove(): unknown;
}

/** Draws the aircraft of the live feed; `start` prunes stale ones until `stop`. */
export class AircraftLayer {
  readonly picture: AircraftPicture;
  private readonly labels = new Map<string, LabelMarker>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly map: MapLibreMap,
    private readonly makeLabel: (element: HTMLElement, lngLat: [number, number]) => LabelMarker,
    private readonly now: () => number = () => Date.now(),
    staleS = AIRCRAFT_STALE_S,
  ) {
    this.picture = new AircraftPicture(staleS);
    map.on("mousemove", "aircraft", (e: MapLayerMouseEvent) => {
      const title: unknown = e.features?.[0]?.properties?.["title"];
      map.getCanvas().title = typeof title === "string" ? title : "";
    });
    map.on("mouseleave", "aircraft", () => {
      map.getCanvas().title = "";
    });
    // The layer panel hides the symbols with `visibility`; the HTML labels follow them.
    map.on("styledata", () => this.syncLabelVisibility());
  }

  start(intervalMs = AIRCRAFT_PRUNE_MS): void {
    this.stop();
    this.timer = setInterval(() => {
      if (this.picture.prune(this.now()).length) this.render();
    }, intervalMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Take in one `aircraft` message from the live feed and redraw if it changed anything. */
  update(report: AircraftReport): void {
    if (this.picture.update(report, this.now())) this.render();
  }

  render(): void {
    const nowMs = this.now();
    const symbols = this.picture.features(nowMs);
    void this.map.getSource<GeoJSONSource>(AIRCRAFT_SOURCE)?.setData(symbols);
    void this.map.getSource<GeoJSONSource>(AIRCRAFT_VECTOR_SOURCE)?.setData(this.picture.vectors());
    const seen = new Set<string>();
    for (const feature of symbols.features) {
      if (feature.geometry.type !== "Point") continue;
      const p = feature.properties as { key: string; label: string; emergency: boolean };
      const [lon = 0, lat = 0] = feature.geometry.coordinates;
      seen.add(p.key);
      let marker = this.labels.get(p.key);
      if (!marker) {
        const element = document.createElement("div");
        element.dataset.testid = "aircraft-label";
        marker = this.makeLabel(element, [lon, lat]);
        this.labels.set(p.key, marker);
      } else {
        marker.setLngLat([lon, lat]);
      }
      const element = marker.getElement();
      // Keep the classes MapLibre gave the marker (absolute, transformed): without them the
      // label sits in the page flow, off its symbol.
      const kept = element.className.split(/\s+/).filter((c) => c && c !== "map-label" && !c.startsWith("aircraft-"));
      element.className = [...kept, "map-label", "aircraft-label"].join(" ");
      element.textContent = p.label;
      element.style.color = p.emergency ? "#ff3b3b" : AIRCRAFT_COLOUR;
    }
    for (const [key, marker] of this.labels) {
      if (!seen.has(key)) {
        marker.remove();
        this.labels.delete(key);
      }
    }
    this.syncLabelVisibility();
  }

  private syncLabelVisibility(): void {
    const hidden = this.map.getLayer("aircraft") !== undefined && this.map.getLayoutProperty("aircraft", "visibility") === "none";
    for (const marker of this.labels.values()) marker.getElement().style.display = hidden ? "none" : "";
  }
}
