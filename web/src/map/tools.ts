// Map tools: cursor position (lat/lon and MGRS), a distance/bearing tool, layer toggles and
// the basemap theme (dark operations room / light daylight).
import type { GeoJSONSource, Map as MapLibreMap, MapMouseEvent } from "maplibre-gl";
import { h } from "../dom";
import { distanceBearing, formatDistanceBearing, formatLatLon, formatMgrs } from "./mgrs";

/** Overlay groups an operator can hide: their MapLibre layers and HTML marker classes. */
export const LAYER_GROUPS: { id: string; label: string; layers: string[]; markers: string[] }[] = [
  { id: "sectors", label: "Sectors", layers: ["sectors-fill", "sectors-line"], markers: [] },
  { id: "zones", label: "Zones", layers: ["zones-fill", "zones-line"], markers: [] },
  { id: "km", label: "Km posts", layers: ["km-posts"], markers: ["km-label"] },
  { id: "cameras", label: "Cameras", layers: ["fov-fill", "fov-line", "cameras"], markers: ["camera-label"] },
  { id: "sensors", label: "Sensors", layers: ["sensors-area", "sensors"], markers: [] },
  {
    id: "incidents",
    label: "Incidents",
    layers: ["incidents", "incident-clusters", "incident-cluster-count", "incident-selected"],
    markers: [],
  },
  { id: "drones", label: "Drones", layers: ["drones", "drone-trails", "drone-footprints"], markers: [] },
  { id: "units", label: "Patrol units", layers: ["units", "units-halo"], markers: [] },
  { id: "aircraft", label: "Aircraft (ADS-B)", layers: ["aircraft", "aircraft-vectors"], markers: [] },
  { id: "tracks", label: "Tracks", layers: ["trails", "track-ellipses"], markers: ["track-symbol"] },
];

export class CursorReadout {
  readonly element = h("div", { class: "map-readout", "data-testid": "cursor-readout" }, "—");

  attach(map: MapLibreMap): void {
    map.on("mousemove", (event: MapMouseEvent) => {
      const { lat, lng } = event.lngLat;
      this.element.textContent = `${formatLatLon(lat, lng)} · ${formatMgrs(lat, lng)}`;
    });
  }
}

/** Click two points: the great-circle distance and the initial bearing from the first. */
export class MeasureTool {
  readonly button = h("button", { type: "button", class: "map-tool", "data-testid": "measure-tool", title: "Distance and bearing" }, "Measure");
  readonly result = h("div", { class: "map-measure", "data-testid": "measure-result", hidden: true });
  private points: [number, number][] = [];
  private active = false;

  constructor(private readonly map: MapLibreMap) {}

  attach(): void {
    this.ensureLayer();
    this.map.on("style.load", () => this.ensureLayer());
    this.button.addEventListener("click", () => this.toggle());
    this.map.on("click", (event: MapMouseEvent) => {
      if (!this.active) return;
      if (this.points.length >= 2) this.points = [];
      this.points.push([event.lngLat.lng, event.lngLat.lat]);
      this.draw();
    });
  }

  private ensureLayer(): void {
    if (this.map.getSource("measure")) return;
    this.map.addSource("measure", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    this.map.addLayer({
      id: "measure-line",
      type: "line",
      source: "measure",
      paint: { "line-color": "#ffffff", "line-width": 2, "line-dasharray": [2, 2] },
    });
    this.map.addLayer({
      id: "measure-points",
      type: "circle",
      source: "measure",
      filter: ["==", ["geometry-type"], "Point"],
      paint: { "circle-radius": 4, "circle-color": "#ffffff" },
    });
  }

  private toggle(): void {
    this.active = !this.active;
    this.points = [];
    this.button.classList.toggle("active", this.active);
    this.map.getCanvas().style.cursor = this.active ? "crosshair" : "";
    this.draw();
  }

  private draw(): void {
    const features: GeoJSON.Feature[] = this.points.map((p) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: p },
      properties: {},
    }));
    const [a, b] = this.points;
    if (a && b) {
      features.push({ type: "Feature", geometry: { type: "LineString", coordinates: [a, b] }, properties: {} });
      const { distance_m, bearing_deg } = distanceBearing(a, b);
      this.result.textContent = formatDistanceBearing(distance_m, bearing_deg);
    } else {
      this.result.textContent = this.active ? "Click two points" : "";
    }
    this.result.hidden = !this.active;
    void this.map.getSource<GeoJSONSource>("measure")?.setData({ type: "FeatureCollection", features });
  }
}

/** Checkboxes per overlay group and a dark/light basemap choice. */
export class LayerPanel {
  readonly element = h("details", { class: "map-layers", "data-testid": "layer-panel" });
  private readonly hidden = new Set<string>();

  constructor(
    private readonly map: MapLibreMap,
    private readonly container: HTMLElement,
    private readonly onTheme: (theme: "dark" | "light") => void,
  ) {}

  attach(): void {
    this.element.append(h("summary", {}, "Layers"));
    for (const group of LAYER_GROUPS) {
      const box = h("input", { type: "checkbox", "data-testid": `layer-toggle-${group.id}` });
      box.checked = true;
      box.addEventListener("change", () => {
        if (box.checked) this.hidden.delete(group.id);
        else this.hidden.add(group.id);
        this.apply();
      });
      this.element.append(h("label", {}, box, ` ${group.label}`));
    }
    const theme = h("select", { "data-testid": "basemap-theme" }, h("option", { value: "dark" }, "Dark (night)"), h("option", { value: "light" }, "Light (day)"));
    theme.addEventListener("change", () => this.onTheme(theme.value === "light" ? "light" : "dark"));
    this.element.append(h("label", {}, "Basemap ", theme));
    this.map.on("style.load", () => this.apply());
  }

  /** Applies the toggles (again after a style change, which re-adds the layers). */
  apply(): void {
    for (const group of LAYER_GROUPS) {
      const visible = !this.hidden.has(group.id);
      for (const layer of group.layers) {
        if (this.map.getLayer(layer)) this.map.setLayoutProperty(layer, "visibility", visible ? "visible" : "none");
      }
      for (const marker of group.markers) this.container.classList.toggle(`hide-${marker}`, !visible);
    }
  }
}
