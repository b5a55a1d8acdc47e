// Live tracks: an APP-6 / MIL-STD-2525 symbol (milsymbol) per track and a short trail.
import * as maplibregl from "maplibre-gl";
import type { Feature as GeoFeature } from "geojson";
import type { GeoJSONSource, Map as MapLibreMap } from "maplibre-gl";
import * as milsymbolModule from "milsymbol";
import type { LiveTrack } from "../types";
import { ellipseRing, sensorsText } from "./ellipse";

/** Ellipses are drawn at 2 sigma (about 86 % of the probability for a 2-D position). */
const ELLIPSE_SIGMAS = 2;

/** 2525C letter SIDCs, affiliation "unknown" (U): the system does not know who they are. */
const SIDC_BY_CLASS: Record<string, string> = {
  person: "SUGPUCI----",
  car: "SUGPEVC----",
  truck: "SUGPEVC----",
  bus: "SUGPEVC----",
  motorcycle: "SUGPEVC----",
  bicycle: "SUGPEVC----",
  boat: "SUSP-------",
};
// milsymbol 3.0.4's ESM entry exports one default object (`ms`), while its typings declare named
// exports: take the default at run time, typed by the declarations.
const ms = (milsymbolModule as unknown as { default: typeof milsymbolModule }).default;

const DEFAULT_SIDC = "SUGP-------";
export const TRAIL_POINTS = 20;

export function sidcFor(className: string): string {
  return (SIDC_BY_CLASS[className] ?? DEFAULT_SIDC).padEnd(15, "-");
}

const symbolCache = new Map<string, { url: string; width: number; height: number; x: number; y: number }>();

function symbolImage(className: string): { url: string; width: number; height: number; x: number; y: number } {
  const cached = symbolCache.get(className);
  if (cached) return cached;
  const symbol = new ms.Symbol(sidcFor(className), { size: 22, outlineWidth: 2, outlineColor: "#0b0f12" });
  const size = symbol.getSize();
  const anchor = symbol.getAnchor();
  const image = { url: symbol.toDataURL(), width: size.width, height: size.height, x: anchor.x, y: anchor.y };
  symbolCache.set(className, image);
  return image;
}

export function addTrackLayers(map: MapLibreMap): void {
  map.addSource("track-ellipses", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({
    id: "track-ellipses",
    type: "fill",
    source: "track-ellipses",
    paint: { "fill-color": "#ffe066", "fill-opacity": 0.12, "fill-outline-color": "#ffe066" },
  });
  map.addSource("trails", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
  map.addLayer({
    id: "trails",
    type: "line",
    source: "trails",
    layout: { "line-cap": "round", "line-join": "round" },
    paint: { "line-color": "#ffe066", "line-width": 2, "line-opacity": 0.8, "line-dasharray": [1, 1.5] },
  });
}

export class TrackLayer {
  private markers = new Map<string, maplibregl.Marker>();

  constructor(private readonly map: MapLibreMap) {}

  render(tracks: Map<string, LiveTrack>): void {
    const trails: GeoFeature[] = [];
    const ellipses: GeoFeature[] = [];
    for (const [key, track] of tracks) {
      let marker = this.markers.get(key);
      if (!marker) {
        const image = symbolImage(track.class_name);
        const element = document.createElement("img");
        element.src = image.url;
        element.width = image.width;
        element.height = image.height;
        element.className = "track-symbol";
        element.dataset.testid = "track-symbol";
        element.title = trackTitle(track);
        marker = new maplibregl.Marker({
          element,
          anchor: "top-left",
          offset: [-image.x, -image.y],
        });
        marker.setLngLat([track.lon, track.lat]).addTo(this.map);
        this.markers.set(key, marker);
      } else {
        marker.setLngLat([track.lon, track.lat]);
        marker.getElement().title = trackTitle(track);
      }
      if (track.ellipse) {
        ellipses.push({
          type: "Feature",
          geometry: { type: "Polygon", coordinates: [ellipseRing(track.lon, track.lat, track.ellipse, ELLIPSE_SIGMAS)] },
          properties: { key },
        });
      }
      const trail = track.trail.slice(-TRAIL_POINTS);
      if (trail.length >= 2) {
        trails.push({ type: "Feature", geometry: { type: "LineString", coordinates: trail }, properties: { key } });
      }
    }
    for (const [key, marker] of this.markers) {
      if (!tracks.has(key)) {
        marker.remove();
        this.markers.delete(key);
      }
    }
    void this.map.getSource<GeoJSONSource>("trails")?.setData({ type: "FeatureCollection", features: trails });
    void this.map.getSource<GeoJSONSource>("track-ellipses")?.setData({ type: "FeatureCollection", features: ellipses });
  }
}

/** The tooltip of a track symbol: what it is and, for a site track, who sees it. */
export function trackTitle(track: LiveTrack): string {
  if (track.camera_id !== null) return `${track.class_name} ${track.camera_id}/${track.track_id}`;
  const seen = sensorsText(track.sensors, track.local_ids);
  return seen ? `${track.class_name} ${track.track_id} · seen by ${seen}` : `${track.class_name} ${track.track_id}`;
}
