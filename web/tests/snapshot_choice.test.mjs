// Unit checks of web/src/snapshot_choice.ts: the incident pane shows the camera's crossing
// frame, else the camera frame nearest the crossing, else the first camera frame, else none.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";

const source = readFileSync(new URL("../src/snapshot_choice.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const file = join(mkdtempSync(join(tmpdir(), "snapshot-choice-")), "snapshot_choice.mjs");
writeFileSync(file, js);
const { snapshotEvent } = await import(file);

const isCamera = (id) => id.startsWith("cam-");
const ev = (id, kind, second, source) => ({ id, kind, time: `2026-05-04T12:00:${String(second).padStart(2, "0")}Z`, source_id: source });

test("a camera's crossing wins over earlier camera events and a radar crossing", () => {
  const events = [
    ev("a", "border_approach", 1, "cam-1"),
    ev("r", "border_crossing", 5, "radar-1"),
    ev("c", "border_crossing", 6, "cam-1"),
  ];
  assert.equal(snapshotEvent(events, isCamera).id, "c");
});

test("a crossing only radar saw shows the camera frame nearest to it", () => {
  const events = [
    ev("a", "border_approach", 1, "cam-1"),
    ev("r", "border_crossing", 20, "radar-1"),
    ev("z", "zone_enter", 23, "cam-2"),
    ev("y", "zone_exit", 40, "cam-1"),
  ];
  assert.equal(snapshotEvent(events, isCamera).id, "z");
});

test("without a crossing the first camera event; without a camera event nothing", () => {
  assert.equal(snapshotEvent([ev("r", "zone_enter", 1, "radar-1"), ev("a", "border_approach", 2, "cam-1")], isCamera).id, "a");
  assert.equal(snapshotEvent([ev("r", "border_crossing", 1, "radar-1")], isCamera), null);
  assert.equal(snapshotEvent([], isCamera), null);
});

test("line crossings of a camera count as crossings", () => {
  const events = [ev("a", "zone_enter", 1, "cam-1"), ev("l", "line_crossing", 3, "cam-1")];
  assert.equal(snapshotEvent(events, isCamera).id, "l");
});
