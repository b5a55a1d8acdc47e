// Unit checks of web/src/video/clip_choice.ts (the incident pane's clip chooser) and of the
// crossing mark a clip cut around a crossing carries (clip_marks.ts: withAround, startOffsetS).
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTs } from "./load_ts.mjs";

const { choiceLabel, clipChoices, defaultClipId } = await loadTs("video/clip_choice.ts");
const { PRE_ROLL_S, clipMarks, startOffsetS, withAround } = await loadTs("video/clip_marks.ts");

const around = (eventId, kind, direction, time, offsetS) => ({ event_id: eventId, kind, direction, time, offset_s: offsetS });
const crossingClip = (id, camera, around_, isDefault = false) => ({
  id,
  camera_id: camera,
  start: "2026-05-04T12:04:26Z",
  end: "2026-05-04T12:04:41Z",
  url: `/api/clips/${id}`,
  content_type: "video/mp4",
  span: "crossing",
  around: around_,
  default: isDefault,
});
const wholeClip = (id, camera, isDefault = false) => ({
  id,
  camera_id: camera,
  start: "2026-05-04T12:03:10Z",
  end: "2026-05-04T12:05:40Z",
  url: `/api/clips/${id}`,
  content_type: "video/mp4",
  span: "incident",
  around: null,
  default: isDefault,
});

const INBOUND = around("ev-1", "border_crossing", "inbound", "2026-05-04T12:04:31Z", 5);
const OUTBOUND = around("ev-2", "border_crossing", "outbound", "2026-05-04T12:05:02.500Z", 4.2);
const LINE = around("ev-3", "line_crossing", "in", "2026-05-04T12:05:20Z", 5);

test("a crossing clip reads as the crossing, its time and camera; a whole clip as its span", () => {
  assert.equal(choiceLabel(crossingClip("a", "cam-1", INBOUND)), "crossing inbound 12:04:31, cam-1");
  assert.equal(choiceLabel(crossingClip("b", "cam-2", OUTBOUND)), "crossing outbound 12:05:02, cam-2");
  assert.equal(choiceLabel(crossingClip("c", "cam-1", LINE)), "line crossing in 12:05:20, cam-1");
  const approach = around("ev-4", "border_approach", null, "2026-05-04T12:04:00Z", 5);
  assert.equal(choiceLabel(crossingClip("d", "cam-1", approach)), "approach 12:04:00, cam-1");
  assert.equal(choiceLabel(wholeClip("w", "cam-1")), "whole incident 12:03:10–12:05:40, cam-1");
});

test("choices keep the API's order; a whole clip that is a crossing's file is offered once", () => {
  const clips = [
    crossingClip("a", "cam-1", INBOUND, true),
    crossingClip("b", "cam-2", OUTBOUND),
    wholeClip("w1", "cam-1"),
    wholeClip("b", "cam-2"), // cam-2 saw one crossing: its whole clip is that crossing's
  ];
  assert.deepEqual(
    clipChoices(clips).map((c) => [c.id, c.label, c.aroundS]),
    [
      ["a", "crossing inbound 12:04:31, cam-1", 5],
      ["b", "crossing outbound 12:05:02, cam-2", 4.2],
      ["w1", "whole incident 12:03:10–12:05:40, cam-1", null],
    ],
  );
});

test("the pane opens the API's default clip, else the first, else none", () => {
  assert.equal(defaultClipId([crossingClip("a", "cam-1", INBOUND), crossingClip("b", "cam-2", OUTBOUND, true)]), "b");
  assert.equal(defaultClipId([wholeClip("w1", "cam-1"), wholeClip("w2", "cam-2")]), "w1");
  assert.equal(defaultClipId([]), undefined);
});

test("the crossing a clip is cut around is marked at the API's offset", () => {
  const clip = { start: "2026-05-04T12:04:26Z", end: "2026-05-04T12:04:41Z" };
  const computed = clipMarks(clip, [
    { time: "2026-05-04T12:04:31.020Z", label: "inbound" }, // the same crossing, rounded
    { time: "2026-05-04T12:04:38Z", label: "outbound" },
  ]);
  assert.deepEqual(withAround(computed, 5, "crossing"), [
    { offsetS: 5, label: "inbound" },
    { offsetS: 12, label: "outbound" },
  ]);
  // its event was not loaded by the pane: the mark still appears, with the API's label
  assert.deepEqual(withAround([{ offsetS: 12, label: "outbound" }], 5, "inbound"), [
    { offsetS: 5, label: "inbound" },
    { offsetS: 12, label: "outbound" },
  ]);
  assert.deepEqual(withAround(computed, null, "x"), computed); // a whole-incident clip
  assert.deepEqual(withAround(computed, Number.NaN, "x"), computed);
});

test("a crossing clip plays from a pre-roll before its crossing, not before the first mark", () => {
  const marks = [
    { offsetS: 2, label: "outbound" },
    { offsetS: 9, label: "inbound" },
  ];
  assert.equal(startOffsetS(marks, 9), 9 - PRE_ROLL_S);
  assert.equal(startOffsetS(marks, 1), 0);
  assert.equal(startOffsetS(marks), 0); // 2 - PRE_ROLL_S, clamped
  assert.equal(startOffsetS([], null), 0);
});
