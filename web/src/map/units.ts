// Patrol units on the map: a dot in the colour of the unit's status, its callsign beside it,
// and a tooltip (name, sector, status, incident, how old the position is). Positions come
// from GET /api/units (field units' phones report them over CoT; docs/units.md), polled
// every few seconds: the live feed has no unit message. Only types are imported, and the
// HTML labels are made by a factory the caller passes, so node's test runner loads this
// module alone (web/tests/units_map.test.mjs).
import type { Feature, FeatureCollection } from "geojson";
import type { GeoJSONSource, Map as MapLibreMap, MapLayerMouseEvent } from "maplibre-gl";
import { UNIT_STATUS_LABELS, type Unit, type UnitStatus } from "../units";

export const UNIT_SOURCE = "units";
export const UNIT_LAYERS = ["units-halo", "units"] as const;
export const UNIT_POLL_MS = 5_000;
/** A position older than this is drawn faded: the phone has gone quiet (seconds). */
export const UNIT_STALE_S = 300;

export const UNIT_STATUS_COLOURS: Record<UnitStatus, string> = {
  available: "#3ccf6e",
  dispatched: "#ff8c1a",
  on_scene: "#ff3b3b",
  returning: "#4da3ff",
  off_duty: "#8a96a3",
  out_of_service: "#5b636b",
};

export function unitStatusColour(status: UnitStatus): string {
  return UNIT_STATUS_COLOURS[status] ?? "#8a96a3";
}

/** Seconds from the position's time to `nowMs`; null when the time is unreadable. */
export function positionAgeS(time: string, nowMs: number): number | null {
  const at = Date.parse(time);
  if (!Number.isFinite(at)) return null;
  return Math.max(0, (nowMs - at) / 1000);
}

/** "just now", "45 s ago", "12 min ago", "3 h ago"; "time unknown" without one. */
export function ageText(ageS: number | null): string {
  if (ageS === null) return "time unknown";
  if (ageS < 5) return "just now";
  if (ageS < 120) return `${Math.round(ageS)} s ago`;
  if (ageS < 7200) return `${Math.round(ageS / 60)} min ago`;
  return `${Math.round(ageS / 3600)} h ago`;
}

function validPosition(unit: Unit): boolean {
  const p = unit.position;
  return (
    p !== null &&
    Number.isFinite(p.lat) &&
    Number.isFinite(p.lon) &&
    Math.abs(p.lat) <= 90 &&
    Math.abs(p.lon) <= 180
  );
}

/** The tooltip: callsign and name, status (and incident), sector, where the position is from. */
export function unitTitle(unit: Unit, nowMs: number): string {
  const status = UNIT_STATUS_LABELS[unit.status] ?? unit.status;
  const lines = [`${unit.callsign} · ${unit.name}`, `${status}${unit.incident_id ? ` · ${unit.incident_id}` : ""}`, `sector ${unit.sector_id}`];
  if (unit.position) {
    lines.push(`position ${ageText(positionAgeS(unit.position.time, nowMs))} (${unit.position.source})`);
  }
  return lines.join("\n");
}

/** The units with a usable position as point features carrying what the style reads. */
export function unitFeatures(units: readonly Unit[], nowMs: number, staleS = UNIT_STALE_S): FeatureCollection {
  const features: Feature[] = [];
  for (const unit of units) {
    if (!validPosition(unit) || !unit.position) continue;
    const age = positionAgeS(unit.position.time, nowMs);
    features.push({
      type: "Feature",
      id: unit.id,
      geometry: { type: "Point", coordinates: [unit.position.lon, unit.position.lat] },
      properties: {
        id: unit.id,
        callsign: unit.callsign,
        status: unit.status,
        colour: unitStatusColour(unit.status),
        stale: age === null || age > staleS,
        title: unitTitle(unit, nowMs),
      },
    });
  }
  return { type: "FeatureCollection", features };
}

/** A label to draw: where, the callsign, and the status (for its colour). */
export interface UnitLabel {
  id: string;
  lngLat: [number, number];
  text: string;
  status: UnitStatus;
  stale: boolean;
}

/** One label per drawn unit, in the order of `unitFeatures`. */
export function unitLabels(collection: FeatureCollection): UnitLabel[] {
  const out: UnitLabel[] = [];
  for (const feature of collection.features) {
    const p = feature.properties as { id: string; callsign: string; status: UnitStatus; stale: boolean };
    if (feature.geometry.type !== "Point") continue;
    const [lon = 0, lat = 0] = feature.geometry.coordinates;
    out.push({ id: p.id, lngLat: [lon, lat], text: p.callsign, status: p.status, stale: p.stale });
  }
  return out;
}

function empty(): FeatureCollection {
  return { type: "FeatureCollection", features: [] };
}

/** Add the units source and its layers (a dark halo under a status-coloured dot). */
export function addUnitLayers(map: MapLibreMap): void {
  map.addSource(UNIT_SOURCE, { type: "geojson", data: empty() });
  map.addLayer({
    id: "units-halo",
    type: "circle",
    source: UNIT_SOURCE,
    paint: { "circle-radius": 9, "circle-color": "#0b0f12", "circle-opacity": ["case", ["get", "stale"], 0.3, 0.7] },
  });
  map.addLayer({
    id: "units",
    type: "circle",
    source: UNIT_SOURCE,
    paint: {
      "circle-radius": 6,
      "circle-color": ["get", "colour"],
      "circle-opacity": ["case", ["get", "stale"], 0.4, 1],
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 1.5,
    },
  });
}

/** What the layer needs of a map marker (MapLibre's `Marker`). */
export interface LabelMarker {
  setLngLat(lngLat: [number, number]): unknown;
  getElement(): HTMLElement;
  remove(): unknown;
}

/** Draws the units; `refresh` loads them once, `start` polls until `stop`. */
export class UnitLayer {
  private readonly labels = new Map<string, LabelMarker>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private units: Unit[] = [];
  /** The last load's error (shown nowhere else: the units panel reports its own). */
  lastError: string | null = null;

  constructor(
    private readonly map: MapLibreMap,
    private readonly load: () => Promise<Unit[]>,
    private readonly makeLabel: (element: HTMLElement, lngLat: [number, number]) => LabelMarker,
    private readonly now: () => number = () => Date.now(),
  ) {
    map.on("mousemove", "units", (e: MapLayerMouseEvent) => {
      const title: unknown = e.features?.[0]?.properties?.["title"];
      map.getCanvas().title = typeof title === "string" ? title : "";
    });
    map.on("mouseleave", "units", () => {
      map.getCanvas().title = "";
    });
    // The layer panel hides the dots with `visibility`; the HTML labels follow them.
    map.on("styledata", () => this.syncLabelVisibility());
  }

  start(intervalMs = UNIT_POLL_MS): void {
    this.stop();
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  async refresh(): Promise<void> {
    try {
      this.units = await this.load();
      this.lastError = null;
    } catch (error) {
      // keep the last positions drawn; a viewer without the right answers 403 each time
      const message = String(error);
      if (message !== this.lastError) console.warn("units layer: cannot load units", error);
      this.lastError = message;
      const status = (error as { status?: unknown }).status;
      if (status === 401 || status === 403) this.stop();
      return;
    }
    this.render();
  }

  render(): void {
    const collection = unitFeatures(this.units, this.now());
    void this.map.getSource<GeoJSONSource>(UNIT_SOURCE)?.setData(collection);
    const seen = new Set<string>();
    for (const label of unitLabels(collection)) {
      seen.add(label.id);
      let marker = this.labels.get(label.id);
      if (!marker) {
        const element = document.createElement("div");
        element.dataset.testid = "unit-label";
        marker = this.makeLabel(element, label.lngLat);
        this.labels.set(label.id, marker);
      } else {
        marker.setLngLat(label.lngLat);
      }
      const element = marker.getElement();
      // Keep the classes MapLibre gave the marker (maplibregl-marker: absolute, transformed):
      // without them the label sits in the page flow, off its dot.
      const kept = element.className.split(/\s+/).filter((c) => c && c !== "map-label" && !c.startsWith("unit-"));
      const own = ["map-label", "unit-label", `unit-${label.status}`, ...(label.stale ? ["unit-stale"] : [])];
      element.className = [...kept, ...own].join(" ");
      element.textContent = label.text;
      element.style.color = unitStatusColour(label.status);
      element.style.opacity = label.stale ? "0.5" : "1";
    }
    for (const [id, marker] of this.labels) {
      if (!seen.has(id)) {
        marker.remove();
        this.labels.delete(id);
      }
    }
    this.syncLabelVisibility();
  }

  private syncLabelVisibility(): void {
    const hidden = this.map.getLayer("units") !== undefined && this.map.getLayoutProperty("units", "visibility") === "none";
    for (const marker of this.labels.values()) marker.getElement().style.display = hidden ? "none" : "";
  }
}
