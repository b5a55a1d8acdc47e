// Unit checks of web/src/map/units.ts: status colours, features and labels of the units
// layer, the tooltip, and the layer's polling (on a fake map, no browser).
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTs } from "./load_ts.mjs";

const {
  UNIT_STATUS_COLOURS,
  UNIT_STALE_S,
  ageText,
  positionAgeS,
  unitFeatures,
  unitLabels,
  unitStatusColour,
  unitTitle,
  UnitLayer,
} = await loadTs("map/units.ts");
const { UNIT_STATUS_LABELS } = await loadTs("units.ts");

const NOW = Date.parse("2026-05-04T12:00:00Z");

const unit = (over = {}) => ({
  id: "u-1",
  name: "Patrol 1, Tripoint sector",
  callsign: "S1-TRIPOINT-P1",
  sector_id: "s1-tripoint",
  status: "available",
  incident_id: null,
  cot_uid: "ANDROID-1",
  position: { lat: 51.55, lon: 23.66, time: "2026-05-04T11:59:30Z", source: "cot" },
  updated_at: "2026-05-04T11:59:30Z",
  version: 3,
  ...over,
});

test("every status has its own colour, and a label", () => {
  const statuses = Object.keys(UNIT_STATUS_LABELS);
  assert.deepEqual(Object.keys(UNIT_STATUS_COLOURS).sort(), [...statuses].sort());
  const colours = statuses.map((s) => unitStatusColour(s));
  assert.equal(new Set(colours).size, statuses.length);
  for (const colour of colours) assert.match(colour, /^#[0-9a-f]{6}$/);
  assert.equal(unitStatusColour("available"), "#3ccf6e");
  assert.equal(unitStatusColour("dispatched"), "#ff8c1a");
});

test("a unit with a position is a point feature with what the style reads", () => {
  const fc = unitFeatures([unit()], NOW);
  assert.equal(fc.type, "FeatureCollection");
  assert.equal(fc.features.length, 1);
  const [f] = fc.features;
  assert.deepEqual(f.geometry, { type: "Point", coordinates: [23.66, 51.55] });
  assert.equal(f.id, "u-1");
  assert.equal(f.properties.callsign, "S1-TRIPOINT-P1");
  assert.equal(f.properties.status, "available");
  assert.equal(f.properties.colour, UNIT_STATUS_COLOURS.available);
  assert.equal(f.properties.stale, false);
  assert.match(f.properties.title, /^S1-TRIPOINT-P1 · Patrol 1, Tripoint sector\nAvailable\nsector s1-tripoint\nposition 30 s ago \(cot\)$/);
});

test("status colour and incident follow the unit", () => {
  const fc = unitFeatures([unit({ status: "dispatched", incident_id: "inc-7" })], NOW);
  const [f] = fc.features;
  assert.equal(f.properties.colour, UNIT_STATUS_COLOURS.dispatched);
  assert.match(f.properties.title, /\nDispatched · inc-7\n/);
});

test("units without a usable position are left off the map", () => {
  const units = [
    unit({ id: "none", position: null }),
    unit({ id: "nan", position: { lat: Number.NaN, lon: 23, time: "2026-05-04T11:59:30Z", source: "cot" } }),
    unit({ id: "lat", position: { lat: 91, lon: 23, time: "2026-05-04T11:59:30Z", source: "cot" } }),
    unit({ id: "lon", position: { lat: 51, lon: -181, time: "2026-05-04T11:59:30Z", source: "cot" } }),
    unit({ id: "ok" }),
  ];
  assert.deepEqual(
    unitFeatures(units, NOW).features.map((f) => f.properties.id),
    ["ok"],
  );
  assert.deepEqual(unitFeatures([], NOW).features, []);
});

test("old or unreadable position times are stale", () => {
  const old = new Date(NOW - (UNIT_STALE_S + 1) * 1000).toISOString();
  const edge = new Date(NOW - UNIT_STALE_S * 1000).toISOString();
  const fc = unitFeatures(
    [
      unit({ id: "old", position: { lat: 51, lon: 23, time: old, source: "cot" } }),
      unit({ id: "edge", position: { lat: 51, lon: 23, time: edge, source: "cot" } }),
      unit({ id: "bad", position: { lat: 51, lon: 23, time: "yesterday-ish", source: "cot" } }),
    ],
    NOW,
  );
  assert.deepEqual(
    fc.features.map((f) => [f.properties.id, f.properties.stale]),
    [
      ["old", true],
      ["edge", false],
      ["bad", true],
    ],
  );
  assert.match(fc.features[2].properties.title, /position time unknown \(cot\)/);
});

test("ages read as words", () => {
  assert.equal(positionAgeS("2026-05-04T11:59:00Z", NOW), 60);
  assert.equal(positionAgeS("2026-05-04T12:00:10Z", NOW), 0); // a phone clock ahead
  assert.equal(positionAgeS("not a time", NOW), null);
  assert.equal(ageText(null), "time unknown");
  assert.equal(ageText(2), "just now");
  assert.equal(ageText(45), "45 s ago");
  assert.equal(ageText(720), "12 min ago");
  assert.equal(ageText(3 * 3600), "3 h ago");
});

test("labels carry the callsign where the dot is", () => {
  const fc = unitFeatures([unit(), unit({ id: "u-2", callsign: "S2-P1", status: "on_scene", position: null })], NOW);
  assert.deepEqual(unitLabels(fc), [
    { id: "u-1", lngLat: [23.66, 51.55], text: "S1-TRIPOINT-P1", status: "available", stale: false },
  ]);
  assert.equal(unitTitle(unit({ position: null }), NOW), "S1-TRIPOINT-P1 · Patrol 1, Tripoint sector\nAvailable\nsector s1-tripoint");
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
  const data = [];
  let visibility = "visible";
  return {
    data,
    handlers,
    setVisibility(v) {
      visibility = v;
      for (const [event, , fn] of handlers) if (event === "styledata") fn();
    },
    on(event, layerOrFn, fn) {
      handlers.push([event, typeof layerOrFn === "string" ? layerOrFn : null, fn ?? layerOrFn]);
    },
    getCanvas: () => ({ title: "" }),
    getSource: (id) => (id === "units" ? { setData: (d) => data.push(d) } : undefined),
    getLayer: (id) => (id === "units" ? {} : undefined),
    getLayoutProperty: () => visibility,
  };
}

test("the layer draws what it loads, moves labels, drops gone units, keeps data on errors", async () => {
  globalThis.document = { createElement: () => new FakeElement() };
  const map = fakeMap();
  const markers = [];
  const makeLabel = (element, lngLat) => {
    element.className = "maplibregl-marker maplibregl-marker-anchor-left"; // as MapLibre's Marker does
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
  const answers = [
    [unit(), unit({ id: "u-2", callsign: "S1-TRIPOINT-P2", status: "dispatched", position: { lat: 51.6, lon: 23.7, time: "2026-05-04T11:59:59Z", source: "cot" } })],
    [unit({ position: { lat: 51.56, lon: 23.67, time: "2026-05-04T11:59:58Z", source: "cot" } })],
  ];
  let fail = null;
  const layer = new UnitLayer(
    map,
    async () => {
      if (fail) throw fail;
      return answers.shift();
    },
    makeLabel,
    () => NOW,
  );
  await layer.refresh();
  assert.equal(map.data.length, 1);
  assert.deepEqual(
    map.data[0].features.map((f) => f.properties.colour),
    [UNIT_STATUS_COLOURS.available, UNIT_STATUS_COLOURS.dispatched],
  );
  assert.equal(markers.length, 2);
  assert.equal(markers[0].element.textContent, "S1-TRIPOINT-P1");
  assert.equal(markers[1].element.style.color, UNIT_STATUS_COLOURS.dispatched);
  assert.match(markers[1].element.className, /unit-label unit-dispatched/);
  // MapLibre's own classes stay: without them the label sits in the page flow, off its dot.
  assert.match(markers[1].element.className, /^maplibregl-marker maplibregl-marker-anchor-left /);

  await layer.refresh(); // u-1 moved, u-2 gone
  assert.equal(markers.length, 2, "no new marker for a unit already drawn");
  assert.deepEqual(markers[0].lngLat, [23.67, 51.56]);
  assert.equal(markers[0].removed, false);
  assert.equal(markers[1].removed, true);

  map.setVisibility("none"); // the layer panel hid the units: labels follow
  assert.equal(markers[0].element.style.display, "none");
  map.setVisibility("visible");
  assert.equal(markers[0].element.style.display, "");

  const warn = console.warn;
  console.warn = () => {};
  try {
    fail = Object.assign(new Error("403: forbidden"), { status: 403 });
    layer.start(60_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(layer.lastError, "Error: 403: forbidden");
    assert.equal(map.data.length, 2, "nothing redrawn from a failed load");
    assert.equal(markers[0].removed, false, "the last positions stay drawn");
    assert.equal(layer.timer, null, "a 403 stops the polling");
  } finally {
    layer.stop();
    console.warn = warn;
  }
});
