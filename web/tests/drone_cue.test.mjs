// Unit checks of web/src/drone_cue_plan.ts: drone choices, the confirmation summary, the
// planned route's map features and the upload text.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";

const source = readFileSync(new URL("../src/drone_cue_plan.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const file = join(mkdtempSync(join(tmpdir(), "drone-cue-")), "drone_cue_plan.mjs");
writeFileSync(file, js);
const { droneChoices, planSummary, planFeatures, ring, secondsLeft, uploadText } = await import(file);

const plan = (over = {}) => ({
  token: "tok",
  expires_at: "2026-05-01T12:05:00Z",
  expires_in_s: 300,
  drone_id: "uav-1:1",
  kind: "cue",
  incident_id: "inc-7",
  sector_id: null,
  start: [24.1, 51.5],
  home: [24.1, 51.5],
  target: [24.12, 51.52],
  route: [
    [24.1, 51.5],
    [24.11, 51.51],
    [24.1, 51.5],
  ],
  items: [],
  waypoints: 5,
  altitude_m: 80,
  speed_mps: 12,
  path_length_m: 3456.7,
  duration_s: 408.2,
  border_clearance_m: 212.4,
  buffer_m: 100,
  loiter: { lat: 51.515, lon: 24.115, radius_m: 30, seconds: 120, standoff_m: 350, incident_across: true },
  ...over,
});

const drone = (id, over = {}) => ({ drone_id: id, battery_pct: 63.6, link: "connected", ...over });

test("linked drones come first and a lost one cannot be chosen", () => {
  const choices = droneChoices([drone("uav-2:1", { link: "lost" }), drone("uav-3:1"), drone("uav-1:1", { battery_pct: null })]);
  assert.deepEqual(
    choices.map((c) => [c.id, c.disabled]),
    [
      ["uav-1:1", false],
      ["uav-3:1", false],
      ["uav-2:1", true],
    ],
  );
  assert.equal(choices[1].label, "uav-3:1 · 64 %");
  assert.match(choices[2].label, /LINK LOST/);
});

test("the summary names the loiter, the border clearance and the time left", () => {
  const now = Date.parse("2026-05-01T12:03:30Z");
  const rows = Object.fromEntries(planSummary(plan(), now));
  assert.equal(rows["Mission"], "cue to incident inc-7");
  assert.equal(rows["Route"], "5 waypoints · 3.5 km · about 6 min 48 s");
  assert.equal(rows["Loiter"], "2 min 00 s, 30 m radius, 350 m from the incident");
  assert.equal(rows["Incident"], "across the border: watched from the home side");
  assert.equal(rows["Border clearance"], "212 m at the closest (buffer 100 m)");
  assert.equal(rows["Confirm within"], "1 min 30 s");
  assert.equal(secondsLeft(plan(), Date.parse("2026-05-01T12:06:00Z")), 0);
  const patrol = Object.fromEntries(planSummary(plan({ kind: "patrol", sector_id: "s1", loiter: null }), now));
  assert.equal(patrol["Mission"], "patrol of s1");
  assert.equal(patrol["Loiter"], undefined);
});

test("the map shows the route, where it starts, the loiter ring and the incident", () => {
  const features = planFeatures(plan()).features;
  assert.deepEqual(
    features.map((f) => f.properties.role),
    ["route", "start", "loiter", "target"],
  );
  assert.deepEqual(features[0].geometry.coordinates, plan().route);
  const loiter = features[2].geometry.coordinates;
  assert.deepEqual(loiter[0], loiter[loiter.length - 1]);
  const [lon, lat] = ring([24.0, 51.5], 1000, 4)[0];
  assert.ok(Math.abs(lon - 24.0) < 1e-9);
  assert.ok(Math.abs((lat - 51.5) * 111_320 - 1000) < 1e-6);
  assert.equal(planFeatures(plan({ loiter: null, target: null })).features.length, 2);
});

test("the upload is told in words", () => {
  const text = uploadText({ drone_id: "uav-1:1", items: 12, resent: 1, elapsed_s: 0.42 });
  assert.equal(text, "Mission uploaded to uav-1:1: 12 items in 0.4 s, 1 resent");
});
