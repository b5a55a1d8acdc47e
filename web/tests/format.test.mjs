// Unit checks of web/src/format.ts: what the operator reads (times in Zulu, ages, km posts,
// crossings, an event in words) and the actions each incident state allows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTs } from "./load_ts.mjs";

const f = await loadTs("format.ts");

test("clock and date-time are UTC (Zulu) whatever the zone of the time given", () => {
  assert.equal(f.clockZ("2026-05-04T12:04:31Z"), "12:04:31");
  assert.equal(f.clockZ("2026-05-04T14:04:31.900+02:00"), "12:04:31");
  assert.equal(f.clockZ("2026-05-04T00:30:00-01:00"), "01:30:00");
  assert.equal(f.clockZ("garbage"), "--:--:--");
  assert.equal(f.dateTimeZ("2026-05-04T23:59:59+00:00"), "2026-05-04 23:59:59Z");
  assert.equal(f.dateTimeZ("2026-05-05T01:00:00+03:00"), "2026-05-04 22:00:00Z");
  assert.equal(f.dateTimeZ("garbage"), "garbage", "an unreadable time is shown as sent");
});

test("age: seconds, minutes, hours and minutes; never negative; unreadable is ?", () => {
  const now = Date.parse("2026-05-04T12:00:00Z");
  const ago = (s) => new Date(now - s * 1000).toISOString();
  const cases = [
    [0, "0s"],
    [59, "59s"],
    [60, "1m"],
    [3599, "59m"],
    [3600, "1h00"],
    [3600 + 7 * 60 + 59, "1h07"],
    [26 * 3600, "26h00"],
    [-30, "0s"],
  ];
  for (const [seconds, text] of cases) assert.equal(f.age(ago(seconds), now), text, `${seconds} s`);
  assert.equal(f.age("not a time", now), "?");
});

test("km posts to one decimal; none is a dash", () => {
  assert.equal(f.km(10.25), "km 10.3");
  assert.equal(f.km(0), "km 0.0");
  assert.equal(f.km(null), "—");
});

test("crossings in words, zero counts left out", () => {
  assert.equal(f.crossingsText({ inbound: 2, outbound: 1, line_in: 0, line_out: 0 }), "2 inbound · 1 outbound");
  assert.equal(f.crossingsText({ inbound: 0, outbound: 0, line_in: 1, line_out: 3 }), "1 line in · 3 line out");
  assert.equal(f.crossingsText({ inbound: 0, outbound: 0, line_in: 0, line_out: 0 }), "");
});

const event = (fields) => ({
  id: "ev1",
  kind: "border_crossing",
  time: "2026-05-04T12:04:31Z",
  source_id: "cam-1",
  rule_id: null,
  track_id: "7",
  class_name: "person",
  direction: "inbound",
  km_post: 10.2,
  sector_id: "s1",
  ...fields,
});

test("an event in words, as the timeline shows it", () => {
  assert.equal(f.eventWords(event({})), "12:04:31 crossing inbound, person, km 10.2, cam-1");
  assert.equal(
    f.eventWords(event({ kind: "zone_dwell", direction: null, class_name: null, km_post: null })),
    "12:04:31 loitering, cam-1",
  );
  assert.equal(f.eventWords(event({ kind: "new_kind_here", direction: null })), "12:04:31 new kind here, person, km 10.2, cam-1");
  assert.equal(f.eventWords(event({ km_post: 0 })), "12:04:31 crossing inbound, person, km 0.0, cam-1", "km 0 is shown");
});

test("actions by state: nothing on a closed incident, close only once resolved", () => {
  const actions = ["acknowledge", "dispatch", "resolve", "close"];
  const allowed = (status) => actions.filter((a) => f.actionAllowed(status, a));
  assert.deepEqual(allowed("open"), ["acknowledge", "dispatch", "resolve"]);
  assert.deepEqual(allowed("acknowledged"), ["dispatch", "resolve"]);
  assert.deepEqual(allowed("dispatched"), ["resolve"]);
  assert.deepEqual(allowed("resolved"), ["close"]);
  assert.deepEqual(allowed("closed"), []);
  assert.deepEqual(Object.values(f.STATUS_LABELS), ["Open", "Acknowledged", "Dispatched", "Resolved", "Closed"]);
});

test("colours: by priority and device state, grey when unknown", () => {
  assert.equal(f.priorityColour(1), "#ff3b3b");
  assert.equal(f.priorityColour(9), "#8a96a3");
  assert.equal(f.deviceColour("online"), "#3ccf6e");
  assert.equal(f.deviceColour("offline"), "#ff3b3b");
  assert.equal(f.deviceColour(null), "#8a96a3");
  assert.equal(f.deviceColour(undefined), "#8a96a3");
  assert.deepEqual(Object.keys(f.ALERT_REASON_LABELS).sort(), ["crossing", "direction_change", "new_track", "opened"]);
});
