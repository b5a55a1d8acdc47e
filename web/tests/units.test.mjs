// Unit checks of the patrol units' pure functions (web/src/units.ts): the dispatch select's
// choices and order, distances in words.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";

/** Loads one import-free module of web/src (TypeScript), transpiled. */
async function loadModule(relative) {
  const source = readFileSync(new URL(`../src/${relative}`, import.meta.url), "utf8");
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  }).outputText;
  if (/^\s*import\s/m.test(js)) throw new Error(`${relative} imports other modules: not loadable alone`);
  const file = join(mkdtempSync(join(tmpdir(), "kordon-web-")), relative.replace(/\//g, "_").replace(/\.ts$/, ".mjs"));
  writeFileSync(file, js);
  return import(file);
}

const units = await loadModule("units.ts");

function unit(id, sector, status = "available", extra = {}) {
  return {
    id,
    name: `Patrol ${id}`,
    callsign: id.toUpperCase(),
    sector_id: sector,
    status,
    incident_id: null,
    cot_uid: null,
    position: null,
    updated_at: "2025-03-01T12:00:00Z",
    version: 1,
    ...extra,
  };
}

test("distances in words", () => {
  assert.equal(units.distanceText(null), "");
  assert.equal(units.distanceText(Number.NaN), "");
  assert.equal(units.distanceText(0), "0 m");
  assert.equal(units.distanceText(849.6), "850 m");
  assert.equal(units.distanceText(1000), "1.0 km");
  assert.equal(units.distanceText(1149), "1.1 km");
  assert.equal(units.distanceText(14_400), "14 km");
});

test("dispatch choices: this sector's available units first, nearest first, then others, then busy", () => {
  const near = unit("near", "s1");
  const far = unit("far", "s1");
  const other = unit("other", "s2");
  const busy = unit("busy", "s1", "dispatched", { incident_id: "inc-9" });
  const off = unit("off", "s2", "off_duty");
  const broken = unit("broken", "s1", "out_of_service");
  const suggestions = [
    { unit: near, same_sector: true, distance_m: 1112.4 },
    { unit: far, same_sector: true, distance_m: null },
    { unit: other, same_sector: false, distance_m: 69 },
  ];
  const choices = units.dispatchChoices({ sector_id: "s1" }, suggestions, [broken, off, busy, far, near, other]);
  assert.deepEqual(
    choices.map((c) => [c.callsign, c.group, c.needsForce, c.disabled]),
    [
      ["NEAR", "sector", false, false],
      ["FAR", "sector", false, false],
      ["OTHER", "other", false, false],
      ["BUSY", "busy", true, false],
      ["OFF", "busy", true, false],
      ["BROKEN", "busy", true, true],
    ],
  );
  assert.equal(choices[0].label, "NEAR · Patrol near · 1.1 km");
  assert.equal(choices[1].label, "FAR · Patrol far");
  assert.equal(choices[2].label, "OTHER · Patrol other · s2 · 69 m");
  assert.equal(choices[3].label, "BUSY · dispatched (inc-9) · s1");
});

test("dispatch choices: an unordered or stale suggestion list cannot put other sectors first", () => {
  const mine = unit("mine", "s1");
  const theirs = unit("theirs", "s2");
  const nowBusy = unit("gone", "s1", "on_scene", { incident_id: "inc-1" });
  const choices = units.dispatchChoices(
    { sector_id: "s1" },
    [
      { unit: theirs, same_sector: false, distance_m: 10 },
      { unit: nowBusy, same_sector: true, distance_m: 5 },
      { unit: mine, same_sector: true, distance_m: 500 },
    ],
    [mine, theirs, nowBusy],
  );
  assert.deepEqual(
    choices.map((c) => c.callsign),
    ["MINE", "THEIRS", "GONE"],
  );
  assert.equal(choices[2].needsForce, true);
});

test("dispatch choices: nothing registered, nothing to choose", () => {
  assert.deepEqual(units.dispatchChoices({ sector_id: null }, [], []), []);
});

test("field statuses never offer 'dispatched'; every status has a label", () => {
  assert.ok(!units.FIELD_STATUSES.includes("dispatched"));
  for (const status of ["available", "dispatched", "on_scene", "returning", "off_duty", "out_of_service"]) {
    assert.equal(typeof units.UNIT_STATUS_LABELS[status], "string");
  }
  assert.equal(units.unitLine(unit("b1", "s1", "returning", { incident_id: "inc-2" })), "B1 · Patrol b1 · s1 · Returning · inc-2");
});
