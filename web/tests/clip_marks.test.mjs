// Unit checks of web/src/video/clip_marks.ts: where an incident's crossings lie in its clip,
// the marks' places on the bar, and where playback starts.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";

const source = readFileSync(new URL("../src/video/clip_marks.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const file = join(mkdtempSync(join(tmpdir(), "clip-marks-")), "clip_marks.mjs");
writeFileSync(file, js);
const { PRE_ROLL_S, clipClock, clipDurationS, clipMarks, markFraction, startOffsetS } = await import(file);

const CLIP = { start: "2026-05-04T12:00:00Z", end: "2026-05-04T12:00:40Z" };

test("crossings inside the clip become marks, earliest first; outside ones are dropped", () => {
  const marks = clipMarks(CLIP, [
    { time: "2026-05-04T12:00:31.500Z", label: "outbound" },
    { time: "2026-05-04T12:00:11Z", label: "inbound" },
    { time: "2026-05-04T11:59:59Z", label: "inbound" }, // before the clip
    { time: "2026-05-04T12:00:41Z", label: "outbound" }, // after it
    { time: "not a time", label: "inbound" },
  ]);
  assert.deepEqual(marks, [
    { offsetS: 11, label: "inbound" },
    { offsetS: 31.5, label: "outbound" },
  ]);
});

test("a clip with unreadable or reversed times has no marks", () => {
  const crossing = [{ time: "2026-05-04T12:00:10Z", label: "inbound" }];
  assert.deepEqual(clipMarks({ start: "?", end: CLIP.end }, crossing), []);
  assert.deepEqual(clipMarks({ start: CLIP.end, end: CLIP.start }, crossing), []);
});

test("the bar's length is the file's duration when known, else the clip's span", () => {
  assert.equal(clipDurationS(CLIP, 38.2), 38.2);
  assert.equal(clipDurationS(CLIP, Number.NaN), 40);
  assert.equal(clipDurationS(CLIP, Number.POSITIVE_INFINITY), 40);
  assert.equal(clipDurationS(CLIP, 0), 40);
});

test("marks sit along the bar, clamped to it; unknown length puts them at the start", () => {
  assert.equal(markFraction(10, 40), 0.25);
  assert.equal(markFraction(50, 40), 1);
  assert.equal(markFraction(-1, 40), 0);
  assert.equal(markFraction(10, 0), 0);
  assert.equal(markFraction(10, Number.NaN), 0);
});

test("playback starts a pre-roll before the first crossing, never before the clip", () => {
  assert.equal(startOffsetS([{ offsetS: 11, label: "inbound" }]), 11 - PRE_ROLL_S);
  assert.equal(startOffsetS([{ offsetS: 1, label: "inbound" }]), 0);
  assert.equal(startOffsetS([]), 0);
});

test("clip positions read as m:ss", () => {
  assert.equal(clipClock(0), "0:00");
  assert.equal(clipClock(42.9), "0:42");
  assert.equal(clipClock(65), "1:05");
  assert.equal(clipClock(-3), "0:00");
});
