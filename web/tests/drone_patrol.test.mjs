// Unit checks of web/src/drone_patrol_plan.ts: the plan → preview → confirm/cancel state
// machine and its errors, the planned route as legs, waypoints and map features, the sector
// choices and the words the operator confirms.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTs } from "./load_ts.mjs";

const {
  IDLE,
  step,
  tokenToCancel,
  shownPlan,
  errorText,
  sectorChoices,
  droneReadiness,
  distanceM,
  bearingDeg,
  routeLegs,
  waypoints,
  patrolFeatures,
  planBounds,
  borderCheck,
  offsetOf,
  patrolSummary,
  secondsLeft,
  duration,
  metres,
  uploadText,
  exportPath,
} = await loadTs("drone_patrol_plan.ts");

const M_PER_DEG_LAT = 111_195; // on the sphere of radius 6 371 008.8 m

// A patrol as the API answers it: the drone at START, home at HOME; takeoff at A, then A → B
// → C and back (each waypoint after the camera's point of interest on the border), home.
const START = [24.0, 51.5];
const HOME = [24.0, 51.49];
const A = [24.01, 51.5];
const B = [24.02, 51.5];
const C = [24.03, 51.5];
const roi = (p) => [p[0], p[1] + 0.003];
const item = (seq, command, p = null, over = {}) => ({
  seq,
  command,
  lat: p ? p[1] : null,
  lon: p ? p[0] : null,
  alt_m: p && command.startsWith("NAV_") ? 80 : null,
  hold_s: null,
  speed_mps: null,
  ...over,
});
const ITEMS = [
  item(1, "NAV_TAKEOFF", A),
  item(2, "DO_CHANGE_SPEED", null, { speed_mps: 10 }),
  item(3, "DO_SET_ROI_LOCATION", roi(A)),
  item(4, "NAV_WAYPOINT", A),
  item(5, "DO_SET_ROI_LOCATION", roi(B)),
  item(6, "NAV_WAYPOINT", B),
  item(7, "DO_SET_ROI_LOCATION", roi(C)),
  item(8, "NAV_WAYPOINT", C),
  item(9, "DO_SET_ROI_LOCATION", roi(B)),
  item(10, "NAV_WAYPOINT", B),
  item(11, "DO_SET_ROI_LOCATION", roi(A)),
  item(12, "NAV_WAYPOINT", A),
  item(13, "DO_SET_ROI_NONE"),
  item(14, "NAV_RETURN_TO_LAUNCH"),
];

const plan = (over = {}) => ({
  token: "tok-1",
  expires_at: "2026-05-01T12:05:00Z",
  expires_in_s: 300,
  drone_id: "uav-1:1",
  kind: "patrol",
  incident_id: null,
  sector_id: "s1-tripoint",
  start: START,
  home: HOME,
  target: null,
  route: [START, A, A, B, C, B, A, HOME],
  items: ITEMS,
  waypoints: 6,
  altitude_m: 80,
  speed_mps: 10,
  path_length_m: 11234.5,
  duration_s: 1123.4,
  border_clearance_m: 212.4,
  buffer_m: 100,
  loiter: null,
  ...over,
});
const upload = (over = {}) => ({
  drone_id: "uav-1:1",
  kind: "patrol",
  incident_id: null,
  sector_id: "s1-tripoint",
  items: 15,
  resent: 0,
  elapsed_s: 0.31,
  uploaded_at: "2026-05-01T12:01:00Z",
  ...over,
});

const planning = () => step(IDLE, { type: "plan", droneId: "uav-1:1", sectorId: "s1-tripoint" });
const previewing = () => step(planning(), { type: "planned", plan: plan() });

test("plan → preview → confirm → uploaded", () => {
  const p = planning();
  assert.deepEqual(p, { phase: "planning", droneId: "uav-1:1", sectorId: "s1-tripoint" });
  const v = step(p, { type: "planned", plan: plan() });
  assert.equal(v.phase, "preview");
  assert.equal(v.plan.token, "tok-1");
  const u = step(v, { type: "confirm" });
  assert.equal(u.phase, "uploading");
  const done = step(u, { type: "uploaded", upload: upload() });
  assert.equal(done.phase, "uploaded");
  assert.equal(done.upload.items, 15);
  assert.equal(shownPlan(done).token, "tok-1"); // the route stays drawn: the drone flies it
  // a new plan may start from the result
  assert.equal(step(done, { type: "plan", droneId: "uav-1:1", sectorId: "s2" }).phase, "planning");
});

test("cancel drops a previewed plan and names its token for the API", () => {
  const v = previewing();
  const after = step(v, { type: "cancel" });
  assert.equal(after, IDLE);
  assert.deepEqual(tokenToCancel(v, after), { droneId: "uav-1:1", token: "tok-1" });
  assert.equal(shownPlan(after), null);
  // confirming uses the token up: nothing to cancel
  assert.equal(tokenToCancel(v, step(v, { type: "confirm" })), null);
  assert.equal(tokenToCancel(planning(), IDLE), null);
});

test("an upload in flight cannot be cancelled, confirmed twice or re-planned", () => {
  const u = step(previewing(), { type: "confirm" });
  for (const event of [{ type: "cancel" }, { type: "confirm" }, { type: "plan", droneId: "uav-1:1", sectorId: "s1-tripoint" }, { type: "expired" }]) {
    assert.equal(step(u, event), u, event.type);
  }
});

test("late or foreign answers change nothing", () => {
  // the plan's answer after a cancel
  assert.equal(step(IDLE, { type: "planned", plan: plan() }), IDLE);
  // an answer for another drone, another sector or a cue
  const p = planning();
  assert.equal(step(p, { type: "planned", plan: plan({ drone_id: "uav-2:1" }) }), p);
  assert.equal(step(p, { type: "planned", plan: plan({ sector_id: "s2" }) }), p);
  assert.equal(step(p, { type: "planned", plan: plan({ kind: "cue" }) }), p);
  // confirm without a preview, an upload answer without an upload
  assert.equal(step(p, { type: "confirm" }), p);
  const v = previewing();
  assert.equal(step(v, { type: "uploaded", upload: upload() }), v);
  // a plan needs a drone and a sector
  assert.equal(step(IDLE, { type: "plan", droneId: "", sectorId: "s1" }), IDLE);
  assert.equal(step(IDLE, { type: "plan", droneId: "uav-1:1", sectorId: "" }), IDLE);
  // planning again while a preview waits is refused (cancel it first)
  assert.equal(step(v, { type: "plan", droneId: "uav-1:1", sectorId: "s2" }), v);
});

test("refusals end in a failed state with the reason in words", () => {
  const refused = step(planning(), { type: "failed", status: 422, detail: "leg 3 is 40 m from ua-by" });
  assert.equal(refused.phase, "failed");
  assert.equal(refused.stage, "plan");
  assert.match(refused.message, /^No safe patrol: it would cross the border or its buffer\. Leg 3 is 40 m from ua-by$/);
  assert.equal(shownPlan(refused), null);
  const offline = step(planning(), { type: "failed", status: 409, detail: "the link to drone 'uav-1:1' is lost" });
  assert.match(offline.message, /cannot take a mission now .*link to drone 'uav-1:1' is lost/);
  const u = step(previewing(), { type: "confirm" });
  const silent = step(u, { type: "failed", status: 504, detail: "no MISSION_REQUEST" });
  assert.equal(silent.stage, "upload");
  assert.match(silent.message, /did not answer the upload in time; it was cancelled and nothing flies/);
  const nack = step(u, { type: "failed", status: 502, detail: "MAV_MISSION_NO_SPACE" });
  assert.equal(nack.message, "The drone refused the mission: MAV_MISSION_NO_SPACE. Nothing flies.");
  const used = step(u, { type: "failed", status: 409, detail: "unknown, used or cancelled confirmation token" });
  assert.equal(used.message, "Upload refused: unknown, used or cancelled confirmation token. Nothing was sent; plan again.");
  assert.equal(step(u, { type: "failed", status: null, detail: "TypeError: Failed to fetch" }).message.startsWith("No answer from the node"), true);
  // a failure dismissed returns to idle; a failure may be planned again
  assert.equal(step(nack, { type: "cancel" }), IDLE);
  assert.equal(step(nack, { type: "plan", droneId: "uav-1:1", sectorId: "s1-tripoint" }).phase, "planning");
  // a failure arriving in a state that waits for nothing is ignored
  assert.equal(step(IDLE, { type: "failed", status: 500, detail: "x" }), IDLE);
});

test("every status is worded, by stage", () => {
  assert.equal(errorText("plan", 403, "x"), "Your role may not task drones.");
  assert.equal(errorText("upload", 403, "x"), "Your role may not task drones.");
  assert.match(errorText("plan", 404, "no sector with id 's9'"), /outside your scope: no sector with id 's9'\.$/);
  assert.match(errorText("upload", 404, "no such planned mission"), /The plan is gone/);
  assert.match(errorText("upload", 422, "x"), /would cross the border/);
  assert.equal(errorText("plan", 500, ""), "Planning failed (500): no reason given.");
  assert.equal(errorText("plan", 422, "refused: leg 0→1: crosses the border"), "No safe patrol: it would cross the border or its buffer. Leg 0→1: crosses the border");
  assert.equal(errorText("upload", 500, "boom"), "Upload failed (500): boom.");
});

test("a preview that is not confirmed in time expires", () => {
  const expired = step(previewing(), { type: "expired" });
  assert.equal(expired.phase, "failed");
  assert.match(expired.message, /expired/);
  assert.deepEqual(tokenToCancel(previewing(), expired), { droneId: "uav-1:1", token: "tok-1" });
  assert.equal(step(IDLE, { type: "expired" }), IDLE);
  assert.equal(secondsLeft(plan(), Date.parse("2026-05-01T12:03:30Z")), 90);
  assert.equal(secondsLeft(plan(), Date.parse("2026-05-01T12:06:00Z")), 0);
});

test("sectors: the user's scope only, by name; an empty scope is every sector", () => {
  const layer = {
    type: "FeatureCollection",
    features: [
      { type: "Feature", geometry: null, properties: { id: "s2-centre", name: "Centre" } },
      { type: "Feature", geometry: null, properties: { id: "s1-tripoint", name: "Tripoint" } },
      { type: "Feature", geometry: null, id: 7, properties: {} },
      { type: "Feature", geometry: null, properties: { name: "no id" } },
    ],
  };
  assert.deepEqual(sectorChoices(layer, []), [
    { id: "7", name: "7" },
    { id: "s2-centre", name: "Centre" },
    { id: "s1-tripoint", name: "Tripoint" },
  ]);
  assert.deepEqual(sectorChoices(layer, ["s1-tripoint"]), [{ id: "s1-tripoint", name: "Tripoint" }]);
  assert.deepEqual(sectorChoices(layer, ["nowhere"]), []);
});

test("a drone whose link is lost cannot be tasked", () => {
  assert.deepEqual(droneReadiness({ link: "lost" }), { ok: false, why: "link lost" });
  assert.deepEqual(droneReadiness({ link: "ok" }), { ok: true, why: "" });
});

test("distances and courses on the sphere", () => {
  assert.ok(Math.abs(distanceM([24, 51], [24, 52]) - M_PER_DEG_LAT) < 1);
  const eastM = distanceM([24, 51.5], [24.01, 51.5]);
  assert.ok(Math.abs(eastM - M_PER_DEG_LAT * 0.01 * Math.cos((51.5 * Math.PI) / 180)) < 0.5, String(eastM));
  assert.equal(distanceM(A, A), 0);
  assert.ok(Math.abs(bearingDeg([24, 51], [24, 52]) - 0) < 1e-9);
  assert.ok(Math.abs(bearingDeg([24, 51.5], [24.01, 51.5]) - 90) < 0.01);
  assert.ok(Math.abs(bearingDeg([24, 51.5], [24, 51.4]) - 180) < 1e-9);
  assert.ok(Math.abs(bearingDeg([24.01, 51.5], [24, 51.5]) - 270) < 0.01);
});

test("the route in legs: transit from the drone, the patrol, the return home", () => {
  const legs = routeLegs(plan());
  // START→A, (A→A left out), A→B, B→C, C→B, B→A, A→HOME
  assert.deepEqual(
    legs.map((l) => [l.index, l.role]),
    [
      [1, "transit"],
      [2, "patrol"],
      [3, "patrol"],
      [4, "patrol"],
      [5, "patrol"],
      [6, "return"],
    ],
  );
  assert.deepEqual(legs[1].from, A);
  assert.deepEqual(legs[1].to, B);
  assert.ok(Math.abs(legs[1].bearing_deg - 90) < 0.01);
  assert.ok(Math.abs(legs[3].bearing_deg - 270) < 0.01);
  const total = legs.reduce((s, l) => s + l.length_m, 0);
  const expected = distanceM(START, A) + 4 * distanceM(A, B) + distanceM(A, HOME);
  assert.ok(Math.abs(total - expected) < 1e-6);
  // no home reported: the route returns to where the drone was
  const noHome = routeLegs(plan({ home: null, route: [START, A, B, START] }));
  assert.deepEqual(noHome.map((l) => l.role), ["transit", "patrol", "return"]);
  // a drone already at the first waypoint has no transit leg
  assert.equal(routeLegs(plan({ start: A, route: [A, B, HOME] }))[0].role, "patrol");
});

test("waypoints carry their altitude and where the camera looks", () => {
  const wps = waypoints(plan());
  assert.deepEqual(
    wps.map((w) => [w.seq, w.command]),
    [
      [1, "NAV_TAKEOFF"],
      [4, "NAV_WAYPOINT"],
      [6, "NAV_WAYPOINT"],
      [8, "NAV_WAYPOINT"],
      [10, "NAV_WAYPOINT"],
      [12, "NAV_WAYPOINT"],
    ],
  );
  assert.equal(wps[0].looks_at, null); // takeoff: before any point of interest
  assert.deepEqual(wps[2].looks_at, roi(B));
  assert.ok(wps.every((w) => w.alt_m === 80));
});

test("the map features: legs by role, waypoints, camera aim, start and home", () => {
  const fc = patrolFeatures(plan(), "uploaded");
  const roles = fc.features.map((f) => f.properties.role);
  assert.equal(roles.filter((r) => r === "transit").length, 1);
  assert.equal(roles.filter((r) => r === "patrol").length, 4);
  assert.equal(roles.filter((r) => r === "return").length, 1);
  assert.equal(roles.filter((r) => r === "wp").length, 6);
  // the camera's line of sight once per place (out and back share A and B)
  assert.equal(roles.filter((r) => r === "aim").length, 3);
  const aimB = fc.features.find((f) => f.properties.role === "aim" && f.geometry.coordinates[0][0] === B[0]);
  assert.deepEqual(aimB.geometry.coordinates, [B, roi(B)]);
  assert.deepEqual(fc.features.find((f) => f.properties.role === "start").geometry.coordinates, START);
  assert.deepEqual(fc.features.find((f) => f.properties.role === "home").geometry.coordinates, HOME);
  assert.ok(fc.features.every((f) => f.properties.state === "uploaded"));
  const wp8 = fc.features.find((f) => f.properties.role === "wp" && f.properties.seq === 8);
  assert.equal(wp8.properties.title, "#8 NAV_WAYPOINT, 80 m above home");
  assert.match(fc.features[1].properties.title, /^Leg 2 \(patrol\): 692 m, 90°$/);
  assert.equal(patrolFeatures(plan({ home: null })).features.some((f) => f.properties.role === "home"), false);
  assert.deepEqual(planBounds(plan()), [24.0, 51.49, 24.03, 51.5]);
});

test("the border check reads the API's clearance against the buffer", () => {
  assert.deepEqual(borderCheck(plan()), { ok: true, text: "Never crosses the border or its 100 m buffer: closest 212 m" });
  const bad = borderCheck(plan({ border_clearance_m: 40 }));
  assert.equal(bad.ok, false);
  assert.match(bad.text, /WITHIN THE 100 m BUFFER: closest 40 m/);
});

test("the summary the operator confirms", () => {
  const now = Date.parse("2026-05-01T12:03:30Z");
  const rows = Object.fromEntries(patrolSummary(plan(), "Tripoint", now));
  assert.equal(rows["Drone"], "uav-1:1");
  assert.equal(rows["Sector"], "Tripoint (s1-tripoint)");
  assert.equal(rows["Route"], "6 legs · 6 waypoints · 11.2 km (2.8 km along the border)");
  assert.equal(rows["Flight time"], "about 18 min 43 s at 10 m/s");
  assert.equal(rows["Altitude"], "80 m above home");
  assert.equal(rows["Border check"], "Never crosses the border or its 100 m buffer: closest 212 m");
  assert.equal(rows["Confirm within"], "1 min 30 s");
  assert.equal(rows["Offset"], undefined); // this API does not send it
  assert.equal(Object.fromEntries(patrolSummary(plan(), "s1-tripoint", now))["Sector"], "s1-tripoint");
  const withOffset = Object.fromEntries(patrolSummary(plan({ offset_m: 300 }), "Tripoint", now));
  assert.equal(withOffset["Offset"], "300 m inland, on the home side");
  assert.equal(offsetOf(plan({ offset_m: "300" })), null);
});

test("words: lengths, durations, the upload, the export path", () => {
  assert.equal(metres(999.4), "999 m");
  assert.equal(metres(1000), "1.0 km");
  assert.equal(duration(59.6), "1 min 00 s");
  assert.equal(duration(-3), "0 s");
  assert.equal(duration(3725), "1 h 02 min");
  assert.equal(uploadText(upload()), "Patrol accepted by uav-1:1: 15 items in 0.3 s");
  assert.equal(uploadText(upload({ resent: 2 })), "Patrol accepted by uav-1:1: 15 items in 0.3 s, 2 resent");
  assert.equal(exportPath("s1 tripoint", "plan"), "/api/drones/patrols/s1%20tripoint/mission.plan");
  assert.equal(exportPath("s1", "waypoints"), "/api/drones/patrols/s1/mission.waypoints");
});
