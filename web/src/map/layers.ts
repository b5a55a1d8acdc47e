// Static and slowly changing map layers: border, km posts, sectors, zones, cameras with their
// field-of-view cones, incidents. Labels are HTML markers, so the style needs no glyphs.
import * as maplibregl from "maplibre-gl";
import type { Feature as GeoFeature, FeatureCollection as GeoCollection } from "geojson";
import type { GeoJSONSource, Map as MapLibreMap } from "maplibre-gl";
import { deviceColour, priorityColour } from "../format";
import type { Camera, FeatureCollection, Incident } from "../types";

const EMPTY: FeatureCollection = { type: "FeatureCollection", features: [] };

type Collection = GeoCollection;

function asGeoJson(collection: FeatureCollection): Collection {
  return collection as unknown as Collection;
}

export function addOverlayLayers(map: MapLibreMap): void {
  const sources = ["sectors", "zones", "borders", "km-posts", "fov", "cameras", "sensors", "incident-selected"];
  for (const id of sources) map.addSource(id, { type: "geojson", data: asGeoJson(EMPTY) });
  // Incidents near each other cluster into one counted marker, so none hides another.
  map.addSource("incidents", { type: "geojson", data: asGeoJson(EMPTY), cluster: true, clusterRadius: 26, clusterMaxZoom: 17 });
  map.addLayer({
    id: "sectors-fill",
    type: "fill",
    source: "sectors",
    paint: { "fill-color": "#4da3ff", "fill-opacity": 0.05 },
  });
  map.addLayer({
    id: "sectors-line",
    type: "line",
    source: "sectors",
    paint: { "line-color": "#4da3ff", "line-width": 1, "line-dasharray": [4, 3], "line-opacity": 0.6 },
  });
  map.addLayer({
    id: "zones-fill",
    type: "fill",
    source: "zones",
    paint: { "fill-color": "#f5a000", "fill-opacity": 0.04 },
  });
  map.addLayer({
    id: "zones-line",
    type: "line",
    source: "zones",
    paint: { "line-color": "#f5a000", "line-width": 1, "line-opacity": 0.5 },
  });
  map.addLayer({
    id: "fov-fill",
    type: "fill",
    source: "fov",
    paint: { "fill-color": ["get", "colour"], "fill-opacity": 0.15 },
  });
  map.addLayer({
    id: "fov-line",
    type: "line",
    source: "fov",
    paint: { "line-color": ["get", "colour"], "line-width": 1, "line-opacity": 0.8 },
  });
  map.addLayer({
    id: "borders-casing",
    type: "line",
    source: "borders",
    layout: { "line-join": "round" },
    paint: { "line-color": "#000000", "line-width": 5, "line-opacity": 0.6 },
  });
  map.addLayer({
    id: "borders-line",
    type: "line",
    source: "borders",
    layout: { "line-join": "round" },
    paint: { "line-color": "#ff4f7b", "line-width": 2.5 },
  });
  // Ground sensors: the detection area (dashed) and the device (a small diamond-like dot).
  map.addLayer({
    id: "sensors-area",
    type: "line",
    source: "sensors",
    filter: ["==", ["get", "role"], "area"],
    paint: { "line-color": "#c792ea", "line-width": 1.5, "line-dasharray": [2, 2] },
  });
  map.addLayer({
    id: "sensors",
    type: "circle",
    source: "sensors",
    filter: ["==", ["get", "role"], "device"],
    paint: {
      "circle-radius": 4,
      "circle-color": "#c792ea",
      "circle-stroke-color": "#0b0f12",
      "circle-stroke-width": 1.5,
    },
  });
  map.addLayer({
    id: "km-posts",
    type: "circle",
    source: "km-posts",
    paint: {
      "circle-radius": ["case", ["==", ["%", ["get", "km"], 5], 0], 3.5, 2],
      "circle-color": "#ffffff",
      "circle-stroke-color": "#ff4f7b",
      "circle-stroke-width": 1,
    },
  });
  // Incidents are rings under the cameras: a camera dot always shows through its incident.
  map.addLayer({
    id: "incident-clusters",
    type: "circle",
    source: "incidents",
    filter: ["has", "point_count"],
    paint: {
      "circle-radius": 12,
      "circle-color": "#ff8c1a",
      "circle-opacity": 0.35,
      "circle-stroke-color": "#ff8c1a",
      "circle-stroke-width": 2,
    },
  });
  if (map.getStyle().glyphs) {
    map.addLayer({
      id: "incident-cluster-count",
      type: "symbol",
      source: "incidents",
      filter: ["has", "point_count"],
      layout: { "text-field": ["get", "point_count_abbreviated"], "text-font": ["Noto Sans Medium"], "text-size": 12 },
      paint: { "text-color": "#ffffff", "text-halo-color": "#0b0f12", "text-halo-width": 1.2 },
    });
  }
  map.addLayer({
    id: "incidents",
    type: "circle",
    source: "incidents",
    filter: ["!", ["has", "point_count"]],
    paint: {
      "circle-radius": 9,
      "circle-color": ["get", "colour"],
      "circle-opacity": 0.3,
      "circle-stroke-color": ["get", "colour"],
      "circle-stroke-width": 2.5,
    },
  });
  map.addLayer({
    id: "incident-selected",
    type: "circle",
    source: "incident-selected",
    paint: {
      "circle-radius": 12,
      "circle-color": ["get", "colour"],
      "circle-opacity": 0.35,
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 2.5,
    },
  });
  map.addLayer({
    id: "cameras",
    type: "circle",
    source: "cameras",
    paint: {
      "circle-radius": 6,
      "circle-color": ["get", "colour"],
      "circle-stroke-color": "#0b0f12",
      "circle-stroke-width": 2,
    },
  });
}

function setData(map: MapLibreMap, id: string, data: Collection): void {
  const source = map.getSource<GeoJSONSource>(id);
  void source?.setData(data);
}

/** HTML labels (no glyphs needed); replaced wholesale when their layer changes. */
class LabelSet {
  private markers: maplibregl.Marker[] = [];

  constructor(
    private readonly map: MapLibreMap,
    private readonly className: string,
  ) {}

  set(labels: { lngLat: [number, number]; text: string; testId?: string }[]): void {
    for (const marker of this.markers) marker.remove();
    const rows = stackedRows(labels.map((label) => label.lngLat));
    this.markers = labels.map((label, i) => {
      const element = document.createElement("div");
      element.className = `map-label ${this.className}`;
      element.textContent = label.text;
      if (label.testId) element.dataset.testid = label.testId;
      const offset: [number, number] = [8, (rows[i] ?? 0) * LABEL_ROW_PX];
      return new maplibregl.Marker({ element, anchor: "left", offset }).setLngLat(label.lngLat).addTo(this.map);
    });
  }
}

const LABEL_ROW_PX = 14;
/** Points closer than this (degrees, about 100-200 m) share a place: their labels stack. */
const SAME_PLACE_DEG = 0.002;

/** Each label's row (in line heights) so that labels of points at one place (two cameras on
 * one tower) stack around it instead of printing over each other. */
export function stackedRows(points: readonly [number, number][]): number[] {
  const groups: number[][] = [];
  for (const [i, [lon, lat]] of points.entries()) {
    const group = groups.find((g) => {
      const [glon, glat] = points[g[0] ?? i] ?? [lon, lat];
      return Math.abs(glon - lon) < SAME_PLACE_DEG && Math.abs(glat - lat) < SAME_PLACE_DEG;
    });
    if (group) group.push(i);
    else groups.push([i]);
  }
  const rows = new Array<number>(points.length).fill(0);
  for (const group of groups) {
    for (const [k, i] of group.entries()) rows[i] = k - (group.length - 1) / 2;
  }
  return rows;
}

export class OverlayLayers {
  private readonly kmLabels: LabelSet;
  private readonly cameraLabels: LabelSet;

  constructor(private readonly map: MapLibreMap) {
    this.kmLabels = new LabelSet(map, "km-label");
    this.cameraLabels = new LabelSet(map, "camera-label");
  }

  setBorders(collection: FeatureCollection): void {
    setData(this.map, "borders", asGeoJson(collection));
  }

  setSectors(collection: FeatureCollection): void {
    setData(this.map, "sectors", asGeoJson(collection));
  }

  setZones(collection: FeatureCollection): void {
    setData(this.map, "zones", asGeoJson(collection));
  }

  setSensors(collection: FeatureCollection): void {
    setData(this.map, "sensors", asGeoJson(collection));
  }

  /** Every post is a tick; every 5th km gets a label. */
  setKmPosts(collection: FeatureCollection): void {
    setData(this.map, "km-posts", asGeoJson(collection));
    const labels: { lngLat: [number, number]; text: string }[] = [];
    for (const feature of collection.features) {
      const kmValue = Number((feature.properties as { km?: unknown }).km);
      const geometry = feature.geometry as { type?: string; coordinates?: number[] };
      const [lon, lat] = geometry.coordinates ?? [];
      if (geometry.type !== "Point" || lon === undefined || lat === undefined) continue;
      if (Number.isFinite(kmValue) && Math.round(kmValue) % 5 === 0) {
        labels.push({ lngLat: [lon, lat], text: `${Math.round(kmValue)}` });
      }
    }
    this.kmLabels.set(labels);
  }

  setCameras(cameras: Camera[], stateOf: (camera: Camera) => string): void {
    const points: GeoFeature[] = [];
    const cones: GeoFeature[] = [];
    const labels: { lngLat: [number, number]; text: string; testId: string }[] = [];
    for (const camera of cameras) {
      const colour = deviceColour(stateOf(camera) as Parameters<typeof deviceColour>[0]);
      if (camera.fov) {
        cones.push({ type: "Feature", geometry: camera.fov, properties: { id: camera.id, colour } });
      }
      if (camera.position) {
        const lngLat: [number, number] = [camera.position.lon, camera.position.lat];
        points.push({
          type: "Feature",
          geometry: { type: "Point", coordinates: lngLat },
          properties: { id: camera.id, colour },
        });
        labels.push({ lngLat, text: camera.name, testId: `camera-label-${camera.id}` });
      }
    }
    setData(this.map, "cameras", { type: "FeatureCollection", features: points });
    setData(this.map, "fov", { type: "FeatureCollection", features: cones });
    this.cameraLabels.set(labels);
  }

  setIncidents(incidents: Incident[], selectedId: string | null): void {
    const features: GeoFeature[] = [];
    const selected: GeoFeature[] = [];
    for (const incident of incidents) {
      if (incident.lat === null || incident.lon === null) continue;
      (incident.id === selectedId ? selected : features).push({
        type: "Feature",
        geometry: { type: "Point", coordinates: [incident.lon, incident.lat] },
        properties: {
          id: incident.id,
          colour: priorityColour(incident.priority),
          selected: incident.id === selectedId,
        },
      });
    }
    setData(this.map, "incidents", { type: "FeatureCollection", features });
    setData(this.map, "incident-selected", { type: "FeatureCollection", features: selected });
  }
}
