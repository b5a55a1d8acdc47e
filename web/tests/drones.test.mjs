// Unit checks of web/src/map/drones.ts: trail, rotation, tooltip and footprint features.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";

const source = readFileSync(new URL("../src/map/drones.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const file = join(mkdtempSync(join(tmpdir(), "drones-")), "drones.mjs");
writeFileSync(file, js);
const { appendTrail, distanceM, iconRotation, droneTitle, footprintFeature, droneFeature } = await import(file);

const drone = (over = {}) => ({
  drone_id: "uav-1:1",
  sensor_id: "uav-1",
  system_id: 1,
  time: "2026-05-01T12:00:00Z",
  lat: 51.54,
  lon: 24.1,
  alt_m: 270.4,
  relative_alt_m: 80.2,
  heading_deg: 92.4,
  ground_speed_mps: 11.96,
  camera_hfov_deg: 60,
  battery_pct: 63.6,
  mode: "AUTO",
  armed: true,
  home: [24.0, 51.5, 190],
  link: "connected",
  footprint: [
    [24.0, 51.0],
    [24.1, 51.0],
    [24.1, 50.9],
    [24.0, 50.9],
    [24.0, 51.0],
  ],
  footprint_note: "",
  ...over,
});

test("distance of 0.001° of latitude is about 111 m", () => {
  assert.ok(Math.abs(distanceM([24, 51.54], [24, 51.541]) - 111.32) < 1e-6);
});

test("a trail keeps the newest points and skips steps under 2 m", () => {
  let trail = [];
  for (let i = 0; i < 10; i += 1) trail = appendTrail(trail, [24, 51 + i * 1e-4], 4);
  assert.equal(trail.length, 4);
  assert.deepEqual(trail[3], [24, 51 + 9 * 1e-4]);
  assert.deepEqual(trail[0], [24, 51 + 6 * 1e-4]);
  const same = appendTrail(trail, [24, 51 + 9 * 1e-4 + 1e-6], 4);
  assert.equal(same, trail);
});

test("the icon turns with the heading, and stays north without one", () => {
  assert.equal(iconRotation(drone({ heading_deg: 450 })), 90);
  assert.equal(iconRotation(drone({ heading_deg: -90 })), 270);
  assert.equal(iconRotation(drone({ heading_deg: null })), 0);
});

test("the tooltip gives altitude, speed, battery, mode and link", () => {
  assert.equal(
    droneTitle(drone()),
    [
      "Drone uav-1:1",
      "altitude 80 m above home (270 m AMSL)",
      "speed 12.0 m/s, heading 92 °",
      "battery 64 %",
      "AUTO, armed, link ok",
    ].join("\n"),
  );
  const lost = droneTitle(
    drone({ link: "lost", battery_pct: null, relative_alt_m: null, footprint: [], footprint_note: "the camera looks at the sky" }),
  );
  assert.match(lost, /LINK LOST/);
  assert.match(lost, /battery \?/);
  assert.match(lost, /altitude 270 m AMSL/);
  assert.match(lost, /no footprint: the camera looks at the sky/);
});

test("a footprint becomes a closed polygon; none gives null", () => {
  const f = footprintFeature(drone());
  assert.equal(f.geometry.type, "Polygon");
  assert.equal(f.geometry.coordinates[0].length, 5);
  const open = footprintFeature(drone({ footprint: drone().footprint.slice(0, 4) }));
  assert.deepEqual(open.geometry.coordinates[0][4], [24.0, 51.0]);
  assert.equal(footprintFeature(drone({ footprint: [] })), null);
});

test("the symbol feature carries position, rotation and the lost flag", () => {
  const f = droneFeature(drone({ link: "lost" }));
  assert.deepEqual(f.geometry.coordinates, [24.1, 51.54]);
  assert.ok(Math.abs(f.properties.rotation - 92.4) < 1e-9);
  assert.equal(f.properties.lost, true);
});
