// Unit checks of web/src/map/ellipse.ts: ring geometry in metres and the sensors text.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";

const source = readFileSync(new URL("../src/map/ellipse.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const file = join(mkdtempSync(join(tmpdir(), "ellipse-")), "ellipse.mjs");
writeFileSync(file, js);
const { ellipseRing, sensorsText } = await import(file);

const LAT = 51.54;
const M_LAT = 111_320;
const M_LON = M_LAT * Math.cos((LAT * Math.PI) / 180);

function metres([lon, lat]) {
  return [(lon - 24.0) * M_LON, (lat - LAT) * M_LAT];
}

test("a ring is closed and its extreme points lie on the axes at the right distances", () => {
  const ring = ellipseRing(24.0, LAT, { major_m: 10, minor_m: 4, bearing_deg: 90 }, 2, 36);
  assert.equal(ring.length, 37);
  assert.deepEqual(ring[0], ring[36]);
  const pts = ring.map(metres);
  const dist = pts.map(([e, n]) => Math.hypot(e, n));
  const far = Math.max(...dist);
  const near = Math.min(...dist);
  assert.ok(Math.abs(far - 20) < 1e-6, `major ${far}`);
  assert.ok(Math.abs(near - 8) < 0.05, `minor ${near}`);
  // bearing 90°: the major axis lies east-west
  const [e, n] = pts[dist.indexOf(far)];
  assert.ok(Math.abs(n) < 1e-6 && Math.abs(Math.abs(e) - 20) < 1e-6);
});

test("a north-pointing major axis lies along the meridian", () => {
  const ring = ellipseRing(24.0, LAT, { major_m: 6, minor_m: 1, bearing_deg: 0 }, 1, 4);
  const [e, n] = metres(ring[0]);
  assert.ok(Math.abs(e) < 1e-6 && Math.abs(n - 6) < 1e-6);
});

test("the sensors text names each sensor with its latest own track id", () => {
  assert.equal(
    sensorsText(["cam-1", "cam-2"], { "cam-1": ["3", "5"], "cam-2": ["cam-2/9"] }),
    "cam-1 #5, cam-2 #9",
  );
  assert.equal(sensorsText(["ugs-1"], {}), "ugs-1");
  assert.equal(sensorsText([], {}), "");
  assert.equal(sensorsText(undefined, undefined), "");
});
