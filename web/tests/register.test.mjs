// Unit checks of the register and report pages' pure functions (web/src/register/).
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

const access = await loadModule("register/access.ts");
const route = await loadModule("register/route.ts");
const photo = await loadModule("register/photo.ts");
const qr = await loadModule("register/qr.ts");
const text = await loadModule("register/text.ts");
const importErrors = await loadModule("register/import_errors.ts");
const period = await loadModule("register/period.ts");

test("roles: who sees the console, the register and which reports", () => {
  const cases = [
    // role, sectors, console, register, edit, check, report kinds
    ["logistics", [], false, true, true, true, ["project"]],
    ["donor_auditor", [], false, true, false, false, ["project"]],
    ["auditor", [], true, true, false, false, ["sector", "project"]],
    ["commander", [], true, true, false, true, ["sector", "project"]],
    ["commander", ["s1"], true, true, false, true, ["sector"]],
    ["operator", [], true, false, false, false, ["sector"]],
    ["supervisor", ["s2"], true, false, false, false, ["sector"]],
    ["admin", [], true, true, true, true, ["sector", "project"]],
    ["stranger", [], false, false, false, false, []],
  ];
  for (const [role, sectors, console_, register, edit, check, kinds] of cases) {
    const account = { role, sectors };
    assert.equal(access.seesConsole(account), console_, `${role} console`);
    assert.equal(access.seesRegister(account), register, `${role} register`);
    assert.equal(access.can(account, "register_edit"), edit, `${role} edit`);
    assert.equal(access.can(account, "register_check"), check, `${role} check`);
    assert.deepEqual(access.reportKinds(account), kinds, `${role} ${sectors} reports`);
  }
  assert.equal(access.mayReportAllSectors({ role: "supervisor", sectors: [] }), true);
  assert.equal(access.mayReportAllSectors({ role: "supervisor", sectors: ["s1"] }), false);
  assert.equal(access.mayReportAllSectors({ role: "logistics", sectors: [] }), false);
});

test("routes round-trip through the hash", () => {
  const routes = [
    { view: "console" },
    { view: "register", filters: {} },
    { view: "register", filters: { q: "cam 1/2", category: "camera", status: "deployed", project: "P-1", sector: "s1" } },
    { view: "asset", serial: "SN/12#3:4" },
    { view: "check", serial: "" },
    { view: "check", serial: "DEMO-CAM-0001" },
    { view: "reports" },
  ];
  for (const r of routes) assert.deepEqual(route.parseRoute(route.routeHash(r)), r, JSON.stringify(r));
});

test("unknown or malformed hashes fall back to the console; unknown filters are dropped", () => {
  for (const hash of ["", "#", "#nothing", "#register/asset", "#register/asset/a/b", "#reports/x", "#check/a/b"]) {
    assert.deepEqual(route.parseRoute(hash), { view: "console" }, hash);
  }
  assert.deepEqual(route.parseRoute("#register?q=x&evil=1&limit=9"), { view: "register", filters: { q: "x" } });
  assert.deepEqual(route.parseRoute("#register/asset/%E0%A4%A"), { view: "asset", serial: "%E0%A4%A" });
});

test("photos are scaled down to the longest side, never up", () => {
  const cases = [
    [{ width: 4000, height: 3000 }, 1600, { width: 1600, height: 1200 }],
    [{ width: 3000, height: 4000 }, 1600, { width: 1200, height: 1600 }],
    [{ width: 1600, height: 900 }, 1600, { width: 1600, height: 900 }],
    [{ width: 800, height: 600 }, 1600, { width: 800, height: 600 }],
    [{ width: 10000, height: 3 }, 1600, { width: 1600, height: 1 }],
  ];
  for (const [size, max, expected] of cases) assert.deepEqual(photo.fitWithin(size, max), expected, JSON.stringify(size));
});

test("every encoding attempt fits 1600 px, and the budget fits the API's 1 MiB body", () => {
  assert.ok(photo.ENCODE_ATTEMPTS.length > 1);
  assert.deepEqual(photo.ENCODE_ATTEMPTS[0], [1600, 0.85]);
  for (const [maxPx, quality] of photo.ENCODE_ATTEMPTS) {
    assert.ok(maxPx <= 1600 && quality > 0 && quality <= 1);
  }
  const sides = photo.ENCODE_ATTEMPTS.map(([px]) => px);
  assert.deepEqual([...sides].sort((a, b) => b - a), sides, "sizes only shrink");
  assert.ok(photo.PHOTO_BUDGET_CHARS + 4096 <= 1024 * 1024);
  assert.equal(photo.base64Length(0), 0);
  assert.equal(photo.base64Length(1), 4);
  assert.equal(photo.base64Length(3), 4);
  assert.equal(photo.base64Length(4), 8);
  assert.equal(Buffer.alloc(1000).toString("base64").length, photo.base64Length(1000));
});

test("serials from QR labels and typed text", () => {
  const cases = [
    ["kordon:asset:DEMO-CAM-0001", "DEMO-CAM-0001"],
    ["KORDON:ASSET:SN-1", "SN-1"],
    ["  SN/12#3:4  ", "SN/12#3:4"],
    ["DEMO-CAM-0001", "DEMO-CAM-0001"],
    ["kordon:asset:", null],
    ["", null],
    ["two words", null],
    ["<script>", null],
    ["x".repeat(129), null],
  ];
  for (const [input, expected] of cases) assert.equal(qr.serialFromCode(input), expected, input);
  assert.equal(qr.canScan(), false, "node has no BarcodeDetector");
});

test("history entries read as one line each", () => {
  const cases = [
    [{ kind: "registered", data: { status: "deployed", delivered_on: "2026-11-05", received_by: "Log", outpost: "T1" }, corrects: null },
      "registered as Deployed, delivered 2026-11-05, received by Log, at T1"],
    [{ kind: "status", data: { from: "in_store", to: "lost", report: "R-1" }, corrects: null }, "status Lost: R-1"],
    [{ kind: "corrected", data: { reason: "typo" }, corrects: 3 }, "details corrected (corrects entry #3): typo"],
    [{ kind: "transfer_requested", data: { from: null, to: "G-1" }, corrects: null }, "transfer requested: store → G-1"],
    [{ kind: "transfer_confirmed", data: { party: "to", by: "G-1" }, corrects: null }, "transfer confirmed by the receiving side (G-1)"],
    [{ kind: "transfer_completed", data: { from: "G-1", to: null }, corrects: null }, "custody moved: G-1 → store"],
    [{ kind: "checked", data: { lat: 51.5, lon: 23.25 }, corrects: null }, "end-use check at 51.50000, 23.25000"],
    [{ kind: "deployed", data: { outpost: "O", sector_id: "s1", position: null, device_id: "cam-1" }, corrects: null },
      "deployed at O / s1, linked to cam-1"],
    [{ kind: "something_new", data: {}, corrects: null }, "something new"],
  ];
  for (const [entry, expected] of cases) assert.equal(text.historyText(entry), expected, entry.kind);
});

test("labels, times, places and page counts", () => {
  assert.equal(text.label("ground_sensor"), "Ground sensor");
  assert.equal(text.label("under_repair"), "Under repair");
  assert.equal(text.label("new_thing"), "new thing");
  assert.equal(text.shortTime("2026-12-05T07:42:27.311413Z"), "2026-12-05 07:42 UTC");
  assert.equal(text.shortTime(null), "—");
  assert.equal(text.shortTime("not a time"), "not a time");
  const deployed = { status: "deployed", holder_id: null, deployment: { outpost: "Tower", sector_id: "s1", position: null } };
  assert.equal(text.whereText(deployed), "Tower · s1");
  assert.equal(text.whereText({ status: "issued", holder_id: "G-1", deployment: null }), "held by G-1");
  assert.equal(text.whereText({ status: "in_store", holder_id: null, deployment: null }), "store");
  assert.equal(text.whereText({ status: "lost", holder_id: null, deployment: null }), "—");
  assert.equal(text.pageText(1, 50, 123, false), "1–50 of 123");
  assert.equal(text.pageText(51, 50, 1000, true), "51–100 of 1000+");
  assert.equal(text.pageText(1, 0, 0, false), "no assets");
  assert.equal(text.durationText(20.4), "20 s");
  assert.equal(text.durationText(600), "10 min");
  assert.equal(text.durationText(604_800), "168.0 h");
});

test("report periods: the last seven days by default; bad ones are named", () => {
  assert.deepEqual(period.defaultPeriod(new Date(2026, 2, 3, 15, 0)), { from: "2026-02-25", to: "2026-03-03" });
  assert.deepEqual(period.defaultPeriod(new Date(2026, 0, 1)), { from: "2025-12-26", to: "2026-01-01" });
  const cases = [
    ["2026-11-01", "2026-11-30", null],
    ["2026-11-04", "2026-11-04", null],
    ["2025-01-01", "2025-12-31", null],
    ["2024-01-01", "2024-12-31", null], // 366 days, a leap year
    ["2024-01-01", "2025-01-01", "a period is at most 366 days"],
    ["2026-12-01", "2026-11-30", "the first day is after the last"],
    ["2026-02-30", "2026-03-01", "the first day is not a date (YYYY-MM-DD)"],
    ["2026-11-01", "", "the last day is not a date (YYYY-MM-DD)"],
    ["1/11/2026", "2026-11-30", "the first day is not a date (YYYY-MM-DD)"],
  ];
  for (const [from, to, expected] of cases) assert.equal(period.periodError(from, to), expected, `${from}..${to}`);
  assert.equal(period.periodText("2026-11-01", "2026-11-01"), "2026-11-01");
  assert.equal(period.periodText("2026-11-01", "2026-11-30"), "2026-11-01 – 2026-11-30");
});

test("an import's row errors are read back from its message", () => {
  const detail =
    "import refused, nothing written: 3 error(s): a.csv:3 [category]: unknown category 'toaster'; known: camera; " +
    "a.csv:4 [unit_cost]: must be positive; a.csv [serial]: duplicate serial; a.csv: not UTF-8 (and 2 more)";
  assert.deepEqual(importErrors.rowErrors(detail, "a.csv"), [
    { where: "a.csv:3", column: "category", reason: "unknown category 'toaster'; known: camera" },
    { where: "a.csv:4", column: "unit_cost", reason: "must be positive" },
    { where: "a.csv", column: "serial", reason: "duplicate serial" },
    { where: "a.csv", column: "", reason: "not UTF-8" },
  ]);
  assert.deepEqual(importErrors.rowErrors("the file is not UTF-8", "a.csv"), []);
  assert.deepEqual(importErrors.rowErrors("import refused, nothing written: 1 error(s): b (1).xlsx:2 [serial]: empty", "b (1).xlsx"), [
    { where: "b (1).xlsx:2", column: "serial", reason: "empty" },
  ]);
});
