// Unit checks of web/src/map/mgrs.ts against known values (run: node --test web/tests/).
// UTM values were computed independently with pyproj (EPSG:326xx/327xx); the MGRS strings
// include the two classic vectors 31N AA 66021 00000 (0°, 0°) and 11S PA 72349 11844.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";

const source = readFileSync(new URL("../src/map/mgrs.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const file = join(mkdtempSync(join(tmpdir(), "mgrs-")), "mgrs.mjs");
writeFileSync(file, js);
const mgrs = await import(file);

const UTM = [
  // lat, lon, zone, easting, northing (pyproj)
  [0.0, 0.0, 31, 166021.443, 0.0],
  [36.2361322, -115.0820944, 11, 672349.274, 4011844.975],
  [51.65, 24.3, 35, 313217.333, 5725563.906],
  [51.508, 23.618, 34, 681676.541, 5709568.573],
  [50.4501, 30.5234, 36, 324182.209, 5591607.607],
  [-33.8688, 151.2093, 56, 334368.634, 6250948.345],
  [60.0, 5.5, 32, 304838.827, 6656575.859],
  [78.0, 15.0, 33, 500000.0, 8658369.586],
];

test("UTM matches pyproj within 5 cm", () => {
  for (const [lat, lon, zone, e, n] of UTM) {
    const utm = mgrs.toUtm(lat, lon);
    assert.equal(utm.zone, zone, `${lat},${lon}`);
    assert.ok(Math.abs(utm.easting_m - e) < 0.05, `${lat},${lon} E ${utm.easting_m} vs ${e}`);
    assert.ok(Math.abs(utm.northing_m - n) < 0.05, `${lat},${lon} N ${utm.northing_m} vs ${n}`);
  }
});

test("MGRS strings", () => {
  assert.equal(mgrs.formatMgrs(0, 0), "31N AA 66021 00000");
  assert.equal(mgrs.formatMgrs(36.2361322, -115.0820944), "11S PA 72349 11844");
  assert.equal(mgrs.formatMgrs(51.65, 24.3), "35U LT 13217 25563");
  assert.equal(mgrs.formatMgrs(50.4501, 30.5234), "36U UA 24182 91607");
  assert.equal(mgrs.formatMgrs(-33.8688, 151.2093), "56H LH 34368 50948");
  assert.equal(mgrs.formatMgrs(85, 0), "—");
});

test("distance and bearing", () => {
  const east = mgrs.distanceBearing([24.0, 0.0], [24.01, 0.0]);
  assert.ok(Math.abs(east.distance_m - 1111.95) < 0.5, String(east.distance_m));
  assert.ok(Math.abs(east.bearing_deg - 90) < 1e-6);
  const north = mgrs.distanceBearing([24.0, 51.0], [24.0, 51.01]);
  assert.ok(Math.abs(north.bearing_deg) < 1e-6 || Math.abs(north.bearing_deg - 360) < 1e-6);
  assert.equal(mgrs.formatDistanceBearing(1234.4, 47.2), "1.23 km · 047°");
  assert.equal(mgrs.formatDistanceBearing(512.6, 359.7), "513 m · 000°");
});
