// A planned drone patrol on the live map (web/src/drone_patrol.ts): its legs (transit,
// patrol, return), numbered waypoints, where the camera looks from each, where the drone
// is and its home; and the drone's popup with "Plan patrol". The features come from
// patrolFeatures (web/src/drone_patrol_plan.ts, unit-tested); this only styles them.
import { Popup, type GeoJSONSource, type Map as MapLibreMap, type MapLayerMouseEvent } from "maplibre-gl";
import { patrolFeatures, planBounds, type MissionPlan } from "../drone_patrol_plan";

const SOURCE = "drone-patrol";
export const PATROL_LAYERS = ["drone-patrol-aim", "drone-patrol-legs", "drone-patrol-points"] as const;
const EMPTY = { type: "FeatureCollection" as const, features: [] };

/** Where a planned patrol is drawn; `state` is the prompt's phase (preview, uploading, uploaded). */
export interface PatrolOverlay {
  show(plan: MissionPlan | null, state?: string): void;
}

function addLayers(map: MapLibreMap): void {
  map.addSource(SOURCE, { type: "geojson", data: EMPTY });
  map.addLayer({
    id: PATROL_LAYERS[0],
    type: "line",
    source: SOURCE,
    filter: ["==", ["get", "role"], "aim"],
    paint: { "line-color": "#4dd2ff", "line-width": 1, "line-opacity": 0.6, "line-dasharray": [1, 2] },
  });
  map.addLayer({
    id: PATROL_LAYERS[1],
    type: "line",
    source: SOURCE,
    filter: ["in", ["get", "role"], ["literal", ["transit", "patrol", "return"]]],
    layout: { "line-cap": "round", "line-join": "round" },
    paint: {
      "line-color": ["match", ["get", "role"], "patrol", "#ffb300", "#b0bec5"],
      "line-width": ["match", ["get", "role"], "patrol", 4, 2],
      // dashed while it waits for confirmation, solid once the drone has it
      "line-dasharray": ["case", ["==", ["get", "state"], "uploaded"], ["literal", [1, 0]], ["literal", [2, 1]]],
    },
  });
  map.addLayer({
    id: PATROL_LAYERS[2],
    type: "circle",
    source: SOURCE,
    filter: ["in", ["get", "role"], ["literal", ["wp", "start", "home"]]],
    paint: {
      "circle-radius": ["match", ["get", "role"], "wp", 4, 7],
      "circle-color": ["match", ["get", "role"], "start", "#4dd2ff", "home", "#43a047", "#fff8e1"],
      "circle-stroke-color": ["match", ["get", "role"], "wp", "#ffb300", "#000"],
      "circle-stroke-width": 2,
    },
  });
  for (const layer of [PATROL_LAYERS[1], PATROL_LAYERS[2]]) {
    map.on("mousemove", layer, (e: MapLayerMouseEvent) => {
      const title: unknown = e.features?.[0]?.properties?.["title"];
      map.getCanvas().title = typeof title === "string" ? title : "";
    });
    map.on("mouseleave", layer, () => (map.getCanvas().title = ""));
  }
}

/** The patrol overlay of a MapLibre map (its source and layers are added on first use);
 * a new plan is framed in view. Not `isStyleLoaded()` as the gate: that is false whenever
 * any tile or GeoJSON source is still loading (live drones update every second), which would
 * drop the drawing; only a style not parsed yet refuses a source, and then it is drawn at the
 * next idle. */
export function mapPatrolOverlay(map: () => MapLibreMap | null): PatrolOverlay {
  let framed: string | null = null;
  let latest: { plan: MissionPlan | null; state: string } = { plan: null, state: "idle" };
  let retrying = false;
  const draw = (m: MapLibreMap): boolean => {
    const { plan, state } = latest;
    const data = plan ? patrolFeatures(plan, state) : EMPTY;
    const source = m.getSource<GeoJSONSource>(SOURCE);
    if (source) {
      void source.setData(data);
    } else {
      try {
        addLayers(m);
      } catch {
        return false; // the style is not parsed yet
      }
      void m.getSource<GeoJSONSource>(SOURCE)?.setData(data);
    }
    m.getContainer().dataset.patrol = plan ? state : "none";
    if (plan && plan.token !== framed) {
      framed = plan.token;
      const [w, s, e, n] = planBounds(plan);
      m.fitBounds([w, s, e, n], { padding: 60, maxZoom: 15, duration: 400 });
    }
    if (!plan) framed = null;
    return true;
  };
  return {
    show(plan: MissionPlan | null, state = "preview"): void {
      latest = { plan, state };
      const m = map();
      if (!m || draw(m) || retrying) return;
      retrying = true;
      m.once("idle", () => {
        retrying = false;
        draw(m);
      });
    },
  };
}

/** A click on a drone symbol (layer `drones`) opens a popup with `content(droneId, close)`. */
export function attachDronePopup(map: MapLibreMap, content: (droneId: string, close: () => void) => HTMLElement): void {
  let popup: Popup | null = null;
  map.on("click", "drones", (e: MapLayerMouseEvent) => {
    const feature = e.features?.[0];
    const id: unknown = feature?.properties?.["drone_id"];
    if (typeof id !== "string" || feature?.geometry.type !== "Point") return;
    const [lon = 0, lat = 0] = feature.geometry.coordinates;
    popup?.remove();
    const close = (): void => {
      popup?.remove();
      popup = null;
    };
    popup = new Popup({ closeButton: true, closeOnClick: true, className: "drone-popup", maxWidth: "260px" })
      .setLngLat([lon, lat])
      .setDOMContent(content(id, close))
      .addTo(map);
  });
  map.on("mouseenter", "drones", () => (map.getCanvas().style.cursor = "pointer"));
  map.on("mouseleave", "drones", () => (map.getCanvas().style.cursor = ""));
}
