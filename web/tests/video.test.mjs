// Unit checks of web/src/video: the burned-in clock reader (against a code computed by the
// Python stamper, kordon.video.live.clock_stamp.encode_bits), the overlay's fit and frame
// choice, and the playback timeline's arithmetic. Run: node --test web/tests/.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";

const dir = mkdtempSync(join(tmpdir(), "video-"));
async function load(name) {
  const source = readFileSync(new URL(`../src/video/${name}.ts`, import.meta.url), "utf8");
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, js);
  return import(file);
}
const clock = await load("clock_code");
const overlay = await load("overlay");
const timeline = await load("timeline");

// encode_bits(1796452212345) from the Python stamper
const PYTHON_BITS = "101000100100010011100101010111100111100100000111";
const T_MS = 1796452212345;

function frame(width, bits) {
  const cell = clock.cellPx(width);
  const rgba = new Uint8ClampedArray(width * cell * 4);
  for (let y = 0; y < cell; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = Math.floor(x / cell);
      const on = i < bits.length && bits[i] === "1";
      const at = (y * width + x) * 4;
      rgba[at] = rgba[at + 1] = rgba[at + 2] = on ? 235 : 16; // video range, as after H.264
      rgba[at + 3] = 255;
    }
  }
  return rgba;
}

test("reads the clock the Python stamper burns", () => {
  assert.equal(clock.readClock(frame(768, PYTHON_BITS), 768, T_MS + 3000), T_MS);
  assert.equal(clock.readClock(frame(1280, PYTHON_BITS), 1280, T_MS - 3000), T_MS);
});

test("refuses a code whose check does not match", () => {
  const flipped = PYTHON_BITS.slice(0, 5) + (PYTHON_BITS[5] === "1" ? "0" : "1") + PYTHON_BITS.slice(6);
  assert.equal(clock.readClock(frame(768, flipped), 768, T_MS), null);
  assert.equal(clock.readClock(frame(768, PYTHON_BITS), 300, T_MS), null); // too narrow
});

function encodeBits(timeMs) {
  // the Python stamper's layout, to make codes for other times
  const low = timeMs % 2 ** 40;
  let sum = 0;
  let rest = low;
  for (let i = 0; i < 5; i += 1) {
    sum += rest % 256;
    rest = Math.floor(rest / 256);
  }
  const check = (sum ^ 0xa5) & 0xff;
  return low.toString(2).padStart(40, "0") + check.toString(2).padStart(8, "0");
}

test("the test's encoder matches the Python stamper", () => {
  assert.equal(encodeBits(T_MS), PYTHON_BITS);
});

test("restores the high bits from the reader's clock across a wrap", () => {
  const wrap = 2 ** 40;
  const stamped = 2 * wrap - 5; // stamped just before a wrap of the 40-bit time...
  assert.equal(clock.readClock(frame(768, encodeBits(stamped)), 768, 2 * wrap + 10), stamped); // ...read after
  const after = 2 * wrap + 3; // stamped just after, read with a reader clock just before
  assert.equal(clock.readClock(frame(768, encodeBits(after)), 768, 2 * wrap - 20), after);
});

test("contain fit letterboxes the image in the element", () => {
  assert.deepEqual(overlay.containFit(768, 576, 400, 225), { scale: 225 / 576, dx: (400 - 768 * (225 / 576)) / 2, dy: 0 });
  assert.deepEqual(overlay.containFit(1280, 720, 640, 720), { scale: 0.5, dx: 0, dy: 180 });
  assert.deepEqual(overlay.containFit(0, 0, 10, 10), { scale: 1, dx: 0, dy: 0 });
});

test("the overlay shown is the newest analysed at or before the video frame, if recent", () => {
  const buffer = new overlay.OverlayBuffer(3, 1000);
  for (const t of [1000, 1200, 1400, 1600]) buffer.push({ time_ms: t, tracks: [] });
  assert.equal(buffer.at(1250)?.time_ms, 1200);
  assert.equal(buffer.at(1590)?.time_ms, 1600); // within the tolerance
  assert.equal(buffer.at(1000), null); // dropped: only the last 3 are kept
  assert.equal(buffer.at(2700), null); // older than a second: nothing drawn
  buffer.clear();
  assert.equal(buffer.at(1600), null);
});

test("timeline positions and times are inverse and clamped", () => {
  const window = { start: 1_000_000, end: 1_600_000 };
  assert.equal(timeline.timeToFraction(1_300_000, window), 0.5);
  assert.equal(timeline.fractionToTime(0.5, window), 1_300_000);
  assert.equal(timeline.timeToFraction(0, window), 0);
  assert.equal(timeline.fractionToTime(2, window), 1_600_000);
  assert.equal(timeline.timeToFraction(5, { start: 5, end: 5 }), 0);
});

test("ticks fall on round steps inside the window", () => {
  const start = Date.UTC(2026, 0, 1, 12, 0, 30);
  assert.deepEqual(timeline.ticks({ start, end: start + 600_000 }), [
    Date.UTC(2026, 0, 1, 12, 5, 0),
    Date.UTC(2026, 0, 1, 12, 10, 0),
  ]);
  const hour = timeline.ticks({ start, end: start + 3_600_000 });
  assert.deepEqual(hour.slice(0, 2), [Date.UTC(2026, 0, 1, 12, 10, 0), Date.UTC(2026, 0, 1, 12, 20, 0)]);
  assert.equal(hour.length, 6);
  assert.deepEqual(timeline.ticks({ start: 10, end: 10 }), []);
});

test("seeking into a gap plays from the next recorded footage", () => {
  const spans = [
    { start: 100, end: 200 },
    { start: 500, end: 900 },
  ];
  assert.equal(timeline.covered(150, spans), true);
  assert.equal(timeline.covered(200, spans), false);
  assert.equal(timeline.nextCovered(150, spans), 150);
  assert.equal(timeline.nextCovered(300, spans), 500);
  assert.equal(timeline.nextCovered(950, spans), null);
  assert.equal(timeline.clockLabel(Date.UTC(2026, 0, 1, 7, 5, 9)), "07:05:09");
});
