// Unit checks of web/src/map/aircraft.ts: labels, tooltip, the picture of aircraft (newer
// reports win, expired ones and silent ones go), velocity leaders, and the layer on a fake map.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTs } from "./load_ts.mjs";

const {
  AIRCRAFT_STALE_S,
  AIRCRAFT_COLOUR,
  AircraftLayer,
  AircraftPicture,
  aircraftLabel,
  aircraftName,
  aircraftRotation,
  aircraftTitle,
  altitudeText,
  destination,
} = await loadTs("map/aircraft.ts");
const { LAYER_GROUPS } = await loadTs("map/tools.ts");

const NOW = Date.parse("2026-05-04T12:00:00Z");

const aircraft = (over = {}) => ({
  key: "50AD01",
  icao_address: "50AD01",
  callsign: "KRD101",
  time: "2026-05-04T11:59:58Z",
  sensor_id: "radar-1",
  sac: 25,
  sic: 12,
  lat: 51.55,
  lon: 23.65,
  flight_level: 350,
  geometric_altitude_ft: 35_000,
  ground_speed_mps: 230,
  track_deg: 85,
  mode3a: null,
  emitter_category: 5,
  status: "current",
  ...over,
});

/** Great-circle distance in metres (haversine), independent of `destination`. */
function haversineM([lon1, lat1], [lon2, lat2]) {
  const r = (d) => (d * Math.PI) / 180;
  const a = Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lon2 - lon1) / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(a));
}

test("the label gives the callsign and the flight level, else the geometric altitude", () => {
  assert.equal(aircraftLabel(aircraft()), "KRD101 FL350");
  assert.equal(aircraftLabel(aircraft({ flight_level: 45.25 })), "KRD101 FL045");
  assert.equal(aircraftLabel(aircraft({ flight_level: null, geometric_altitude_ft: 4_540 })), "KRD101 4500 ft");
  assert.equal(altitudeText(aircraft({ flight_level: null, geometric_altitude_ft: null })), "");
  assert.equal(aircraftLabel(aircraft({ flight_level: null, geometric_altitude_ft: null })), "KRD101");
});

test("without a callsign the aircraft is named by its address, else its key", () => {
  assert.equal(aircraftName(aircraft({ callsign: null })), "50AD01");
  assert.equal(aircraftName(aircraft({ callsign: "  " })), "50AD01");
  assert.equal(aircraftName(aircraft({ callsign: null, icao_address: null, key: "radar-1:TN7" })), "radar-1:TN7");
});

test("the symbol turns with the track, and points north without one", () => {
  assert.equal(aircraftRotation(aircraft({ track_deg: 450 })), 90);
  assert.equal(aircraftRotation(aircraft({ track_deg: -90 })), 270);
  assert.equal(aircraftRotation(aircraft({ track_deg: null })), 0);
});

test("the tooltip gives who, levels, speed and track, squawk, station and age", () => {
  assert.equal(
    aircraftTitle(aircraft({ mode3a: "7000" }), NOW),
    [
      "Aircraft KRD101 (ICAO 50AD01)",
      "FL350 · 35000 ft geometric",
      "230 m/s (447 kt), track 085°",
      "squawk 7000",
      "ADS-B via radar-1, 2 s ago",
    ].join("\n"),
  );
  const bare = aircraftTitle(
    aircraft({ flight_level: null, geometric_altitude_ft: null, ground_speed_mps: null, mode3a: "7700", time: "bad" }),
    NOW,
  );
  assert.match(bare, /altitude \?/);
  assert.doesNotMatch(bare, /m\/s/);
  assert.match(bare, /squawk 7700 EMERGENCY/);
  assert.match(bare, /time unknown/);
});

test("a destination 60 s ahead lies speed × 60 s away on the track", () => {
  const from = [23.65, 51.55];
  const to = destination(from, 90, 13_800);
  assert.ok(Math.abs(haversineM(from, to) - 13_800) < 1, `${haversineM(from, to)}`);
  assert.ok(to[0] > from[0]);
  const north = destination(from, 0, 1_000);
  assert.ok(Math.abs(north[0] - from[0]) < 1e-12);
  assert.ok(Math.abs(haversineM(from, north) - 1_000) < 0.01);
});

test("the picture keeps the newest report per aircraft and ignores older ones", () => {
  const picture = new AircraftPicture();
  assert.equal(picture.update(aircraft(), NOW), true);
  assert.equal(picture.update(aircraft({ key: "50AD02", icao_address: "50AD02", callsign: "KRD202" }), NOW), true);
  assert.equal(picture.update(aircraft({ time: "2026-05-04T11:59:59Z", lat: 51.56 }), NOW), true);
  assert.equal(picture.update(aircraft({ time: "2026-05-04T11:59:50Z", lat: 51.0 }), NOW), false);
  assert.equal(picture.size, 2);
  assert.deepEqual(
    picture.list().map((a) => [a.key, a.lat]),
    [
      ["50AD01", 51.56],
      ["50AD02", 51.55],
    ],
  );
});

test("unusable reports are refused", () => {
  const picture = new AircraftPicture();
  assert.equal(picture.update(aircraft({ lat: Number.NaN }), NOW), false);
  assert.equal(picture.update(aircraft({ lat: 91 }), NOW), false);
  assert.equal(picture.update(aircraft({ lon: -181 }), NOW), false);
  assert.equal(picture.update(aircraft({ key: "" }), NOW), false);
  assert.equal(picture.size, 0);
});

test("an expired message removes the aircraft, unless it is older than what is drawn", () => {
  const picture = new AircraftPicture();
  picture.update(aircraft({ time: "2026-05-04T11:59:59Z" }), NOW);
  assert.equal(picture.update(aircraft({ status: "expired", time: "2026-05-04T11:59:00Z" }), NOW), false);
  assert.equal(picture.size, 1);
  assert.equal(picture.update(aircraft({ status: "expired", time: "2026-05-04T11:59:59Z" }), NOW), true);
  assert.equal(picture.size, 0);
  assert.equal(picture.update(aircraft({ status: "expired" }), NOW), false); // nothing to remove
});

test("an aircraft not heard of for the stale time is pruned, by the time it was received", () => {
  const picture = new AircraftPicture(30);
  picture.update(aircraft(), NOW);
  picture.update(aircraft({ key: "50AD02", icao_address: "50AD02" }), NOW + 20_000);
  assert.deepEqual(picture.prune(NOW + 30_000), []);
  assert.deepEqual(picture.prune(NOW + 30_001), ["50AD01"]);
  assert.deepEqual(
    picture.list().map((a) => a.key),
    ["50AD02"],
  );
  assert.deepEqual(picture.prune(NOW + 50_001), ["50AD02"]);
  assert.equal(picture.size, 0);
  assert.equal(new AircraftPicture().prune(NOW + AIRCRAFT_STALE_S * 1000 + 1).length, 0);
});

test("features carry position, rotation, label and emergency; leaders only for moving aircraft", () => {
  const picture = new AircraftPicture();
  picture.update(aircraft({ mode3a: "7500" }), NOW);
  picture.update(aircraft({ key: "radar-1:TN3", icao_address: null, callsign: null, ground_speed_mps: 0 }), NOW);
  const fc = picture.features(NOW);
  assert.equal(fc.features.length, 2);
  const [first, second] = fc.features;
  assert.deepEqual(first.geometry, { type: "Point", coordinates: [23.65, 51.55] });
  assert.equal(first.properties.rotation, 85);
  assert.equal(first.properties.label, "KRD101 FL350");
  assert.equal(first.properties.emergency, true);
  assert.equal(second.properties.label, "radar-1:TN3 FL350");
  assert.equal(second.properties.emergency, false);
  const vectors = picture.vectors(60);
  assert.equal(vectors.features.length, 1);
  const [from, to] = vectors.features[0].geometry.coordinates;
  assert.ok(Math.abs(haversineM(from, to) - 230 * 60) < 1);
});

// --- the layer on a fake map and a fake document -------------------------------------------

class FakeElement {
  constructor() {
    this.dataset = {};
    this.style = {};
    this.className = "";
    this.textContent = "";
  }
}

function fakeMap() {
  const handlers = [];
  const data = { aircraft: [], "aircraft-vectors": [] };
  let visibility = "visible";
  return {
    data,
    setVisibility(v) {
      visibility = v;
      for (const [event, , fn] of handlers) if (event === "styledata") fn();
    },
    on(event, layerOrFn, fn) {
      handlers.push([event, typeof layerOrFn === "string" ? layerOrFn : null, fn ?? layerOrFn]);
    },
    getCanvas: () => ({ title: "" }),
    getSource: (id) => (id in data ? { setData: (d) => data[id].push(d) } : undefined),
    getLayer: (id) => (id === "aircraft" ? {} : undefined),
    getLayoutProperty: () => visibility,
  };
}

test("the layer draws, labels, moves, removes expired and stale aircraft, and hides labels with the layer", () => {
  globalThis.document = { createElement: () => new FakeElement() };
  const map = fakeMap();
  const markers = [];
  const makeLabel = (element, lngLat) => {
    element.className = "maplibregl-marker";
    const marker = {
      element,
      lngLat,
      removed: false,
      setLngLat(l) {
        this.lngLat = l;
      },
      getElement() {
        return element;
      },
      remove() {
        this.removed = true;
      },
    };
    markers.push(marker);
    return marker;
  };
  let now = NOW;
  const layer = new AircraftLayer(map, makeLabel, () => now, 30);
  layer.update(aircraft());
  layer.update(aircraft({ key: "50AD02", icao_address: "50AD02", callsign: "KRD202", flight_level: 45, mode3a: "7700" }));
  assert.equal(map.data.aircraft.length, 2);
  assert.equal(map.data.aircraft.at(-1).features.length, 2);
  assert.equal(map.data["aircraft-vectors"].at(-1).features.length, 2);
  assert.deepEqual(
    markers.map((m) => m.element.textContent),
    ["KRD101 FL350", "KRD202 FL045"],
  );
  assert.equal(markers[0].element.className, "maplibregl-marker map-label aircraft-label");
  assert.equal(markers[0].element.style.color, AIRCRAFT_COLOUR);
  assert.equal(markers[1].element.style.color, "#ff3b3b"); // squawk 7700

  layer.update(aircraft({ time: "2026-05-04T11:59:59Z", lat: 51.6, lon: 23.7 }));
  assert.deepEqual(markers[0].lngLat, [23.7, 51.6]);
  assert.equal(markers.length, 2);
  const drawn = map.data.aircraft.length;
  layer.update(aircraft({ time: "2026-05-04T11:59:00Z" })); // older: nothing redrawn
  assert.equal(map.data.aircraft.length, drawn);

  layer.update(aircraft({ key: "50AD02", icao_address: "50AD02", status: "expired", time: "2026-05-04T12:00:00Z" }));
  assert.equal(markers[1].removed, true);
  assert.deepEqual(
    map.data.aircraft.at(-1).features.map((f) => f.properties.key),
    ["50AD01"],
  );

  map.setVisibility("none");
  assert.equal(markers[0].element.style.display, "none");
  map.setVisibility("visible");
  assert.equal(markers[0].element.style.display, "");

  now = NOW + 31_000;
  assert.deepEqual(layer.picture.prune(now), ["50AD01"]);
  layer.render();
  assert.equal(markers[0].removed, true);
  assert.equal(map.data.aircraft.at(-1).features.length, 0);
});

test("the layer panel has an aircraft toggle for both aircraft layers", () => {
  const group = LAYER_GROUPS.find((g) => g.id === "aircraft");
  assert.ok(group);
  assert.deepEqual([...group.layers].sort(), ["aircraft", "aircraft-vectors"]);
});
