// The live map: basemap + overlays + tracks, fitted to the site, redrawn from the store.
import * as maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
// MapLibre finds its worker beside its own module; bundled, that file must be emitted and named.
import workerUrl from "maplibre-gl/dist/maplibre-gl-worker.mjs?url";
import type { ApiClient } from "../api";
import type { Store } from "../store";
import { loadBasemap } from "./basemap";
import { OverlayLayers, addOverlayLayers } from "./layers";
import { CursorReadout, LayerPanel, MeasureTool } from "./tools";
import { AircraftLayer, addAircraftLayers, type AircraftReport } from "./aircraft";
import { DroneLayer, addDroneLayers, type DronePublic } from "./drones";
import { TrackLayer, addTrackLayers } from "./tracks";
import { UnitLayer, addUnitLayers } from "./units";
import { UnitsClient } from "../units";
import { mapRouteOverlay, type RouteOverlay } from "../drone_cue";
import { attachDronePopup, mapPatrolOverlay, type PatrolOverlay } from "./patrol_preview";

export class MapView {
  private map: maplibregl.Map | null = null;
  private overlays: OverlayLayers | null = null;
  private tracks: TrackLayer | null = null;
  private drones: DroneLayer | null = null;
  private units: UnitLayer | null = null;
  private aircraft: AircraftLayer | null = null;
  private basemapSources: Record<string, unknown> = {};
  private dronePopup: ((droneId: string, close: () => void) => HTMLElement) | null = null;

  constructor(
    private readonly container: HTMLElement,
    private readonly api: ApiClient,
    private readonly store: Store,
    private readonly onIncidentClick: (id: string) => void,
    /** Whether the server serves patrol units (GET /api/units): else no unit layer, no polling. */
    private readonly servesUnits: boolean,
  ) {}

  /** Draws a planned drone mission on this map (web/src/drone_cue.ts). */
  routeOverlay(): RouteOverlay {
    return mapRouteOverlay(() => this.map);
  }

  /** Draws a planned patrol on this map (web/src/drone_patrol.ts). */
  patrolOverlay(): PatrolOverlay {
    return mapPatrolOverlay(() => this.map);
  }

  /** What a click on a drone shows (set before start). */
  setDronePopup(content: (droneId: string, close: () => void) => HTMLElement): void {
    this.dronePopup = content;
  }

  async start(): Promise<void> {
    maplibregl.setWorkerUrl(workerUrl);
    const style = await loadBasemap(
      () => this.api.basemapTheme("dark").catch(() => this.api.basemapStyle()),
      window.location.href,
    );
    const site = this.store.site;
    this.basemapSources = { ...style.sources };
    const map = new maplibregl.Map({
      container: this.container,
      style,
      center: site ? [site.origin.lon, site.origin.lat] : [23.68, 51.65],
      zoom: 10,
      attributionControl: { compact: true },
      keyboard: false, // single-letter keys belong to the incident queue
    });
    this.map = map;
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    await new Promise<void>((resolve) => map.once("load", () => resolve()));
    addOverlayLayers(map);
    addTrackLayers(map);
    addDroneLayers(map);
    addUnitLayers(map);
    addAircraftLayers(map);
    const readout = new CursorReadout();
    readout.attach(map);
    const measure = new MeasureTool(map);
    measure.attach();
    const panel = new LayerPanel(map, this.container, (theme) => void this.setTheme(theme));
    panel.attach();
    const tools = document.createElement("div");
    tools.className = "map-tools";
    tools.append(panel.element, measure.button, measure.result);
    this.container.append(tools, readout.element);
    this.overlays = new OverlayLayers(map);
    this.tracks = new TrackLayer(map);
    this.drones = new DroneLayer(map);
    if (this.dronePopup) attachDronePopup(map, this.dronePopup);
    if (this.servesUnits) {
      const unitsClient = new UnitsClient(this.api);
      this.units = new UnitLayer(
        map,
        () => unitsClient.list(),
        (element, lngLat) => new maplibregl.Marker({ element, anchor: "left", offset: [10, 0] }).setLngLat(lngLat).addTo(map),
      );
      this.units.start();
    }
    this.aircraft = new AircraftLayer(map, (element, lngLat) =>
      new maplibregl.Marker({ element, anchor: "left", offset: [12, 0] }).setLngLat(lngLat).addTo(map),
    );
    this.aircraft.start();
    if (site) {
      const [w, s, e, n] = site.bounds;
      map.fitBounds([w, s, e, n], { padding: 30, animate: false });
    }
    map.on("click", "incident-clusters", (event: maplibregl.MapLayerMouseEvent) => {
      const feature = event.features?.[0];
      const clusterId: unknown = feature?.properties?.cluster_id;
      const source = map.getSource<maplibregl.GeoJSONSource>("incidents");
      if (typeof clusterId !== "number" || !source || feature?.geometry.type !== "Point") return;
      const [lon, lat] = feature.geometry.coordinates;
      void source.getClusterExpansionZoom(clusterId).then((zoom) => {
        if (lon !== undefined && lat !== undefined) map.easeTo({ center: [lon, lat], zoom, duration: 400 });
      });
    });
    map.on("click", "incidents", (event: maplibregl.MapLayerMouseEvent) => {
      const id: unknown = event.features?.[0]?.properties?.id;
      if (typeof id === "string") this.onIncidentClick(id);
    });
    for (const layer of ["incidents", "incident-clusters", "cameras"]) {
      map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
      map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
    }
    this.store.on("incidents", () => this.drawIncidents());
    this.store.on("selection", () => this.drawIncidents());
    this.store.on("cameras", () => this.drawCameras());
    this.store.on("tracks", () => this.tracks?.render(this.store.tracks));
    this.container.dataset.ready = "true";
    await this.loadLayers();
  }

  /** One cooperative aircraft (ADS-B) from the live feed; an expired one is removed. */
  updateAircraft(report: AircraftReport): void {
    this.aircraft?.update(report);
  }

  /** One drone's telemetry from the live feed. */
  updateDrone(drone: DronePublic): void {
    this.drones?.update(drone);
  }

  /** Fetches the site's layers; each one that fails is logged and left empty. */
  async loadLayers(): Promise<void> {
    const overlays = this.overlays;
    if (!overlays) return;
    const jobs: [string, () => Promise<void>][] = [
      ["borders", async () => overlays.setBorders(await this.api.layer("borders"))],
      ["km-posts", async () => overlays.setKmPosts(await this.api.layer("km-posts"))],
      ["sectors", async () => overlays.setSectors(await this.api.layer("sectors"))],
      ["zones", async () => overlays.setZones(await this.api.layer("zones"))],
      ["sensors", async () => overlays.setSensors(await this.api.layer("sensors"))],
    ];
    const results = await Promise.allSettled(jobs.map(([, job]) => job()));
    results.forEach((result, index) => {
      const name = jobs[index]?.[0] ?? "?";
      if (result.status === "rejected") console.warn(`map layer ${name} failed`, result.reason);
      else this.container.dataset[`layer${name.replace("-", "")}`] = "loaded";
    });
    this.drawCameras();
    this.drawIncidents();
  }

  /** Swaps the basemap, keeping every overlay source and layer (they are not the style's). */
  private async setTheme(theme: "dark" | "light"): Promise<void> {
    const map = this.map;
    if (!map) return;
    const next = await loadBasemap(() => this.api.basemapTheme(theme), window.location.href);
    map.setStyle(next, {
      transformStyle: (previous, incoming) => {
        if (!previous) return incoming;
        const basemapSources = new Set(Object.keys(incoming.sources));
        const oldBasemap = new Set(Object.keys(this.basemapSources));
        const sources = { ...incoming.sources };
        for (const [id, source] of Object.entries(previous.sources)) {
          if (!oldBasemap.has(id) && !basemapSources.has(id)) sources[id] = source;
        }
        const layers = [
          ...incoming.layers,
          ...previous.layers.filter((l) => "source" in l && typeof l.source === "string" && !oldBasemap.has(l.source)),
        ];
        this.basemapSources = incoming.sources;
        return { ...incoming, sources, layers };
      },
    });
    this.container.dataset.theme = theme;
  }

  flyTo(lon: number, lat: number): void {
    this.map?.easeTo({ center: [lon, lat], zoom: Math.max(this.map.getZoom(), 13), duration: 400 });
  }

  private drawIncidents(): void {
    this.overlays?.setIncidents([...this.store.incidents.values()], this.store.selectedId);
  }

  private drawCameras(): void {
    this.overlays?.setCameras([...this.store.cameras.values()], (camera) => {
      return this.store.devices.get(camera.id)?.state ?? camera.status?.state ?? "stopped";
    });
  }
}
