// What the console shows for the features a server serves (web/src/features.ts): the central
// server serves none of the optional ones, a node all of them; a node without drones no drone
// tab, keys or hints.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTs } from "./load_ts.mjs";

const { Features } = await loadTs("features.ts");
const NODE = ["drones", "units", "register", "reports", "video", "track_exports"];
const FULL_HINTS = "j/k move · Enter open · a ack · d dispatch · r resolve · c close · e export · n note · s send drone · 4 drones · p patrol";

test("a node that serves everything keeps every tab, key and hint", () => {
  const features = new Features(NODE);
  assert.deepEqual(
    features.tabs().map(([tab, , key]) => [tab, key]),
    [["incident", "1"], ["cameras", "2"], ["health", "3"], ["drones", "4"]],
  );
  for (const key of ["d", "s", "4", "p", "j", "a", "1"]) assert.equal(features.keyServed(key), true, key);
  assert.equal(features.keyHints(), FULL_HINTS);
  for (const feature of NODE) assert.equal(features.has(feature), true, feature);
});

test("the central (no optional feature): no drone tab, no drone or dispatch keys or hints", () => {
  const features = new Features([]);
  assert.deepEqual(features.tabs().map(([tab]) => tab), ["incident", "cameras", "health"]);
  for (const key of ["d", "s", "4", "p"]) assert.equal(features.keyServed(key), false, key);
  for (const key of ["j", "k", "Enter", "a", "r", "c", "e", "n", "1", "2", "3", "Escape"]) {
    assert.equal(features.keyServed(key), true, key);
  }
  assert.equal(features.keyHints(), "j/k move · Enter open · a ack · r resolve · c close · e export · n note");
  for (const feature of NODE) assert.equal(features.has(feature), false, feature);
});

test("units without drones: dispatch stays, the drone tab, keys and hints go", () => {
  const features = new Features(["units", "register"]);
  assert.deepEqual(features.tabs().map(([tab]) => tab), ["incident", "cameras", "health"]);
  assert.equal(features.keyServed("d"), true);
  for (const key of ["s", "4", "p"]) assert.equal(features.keyServed(key), false, key);
  assert.equal(features.keyHints(), "j/k move · Enter open · a ack · d dispatch · r resolve · c close · e export · n note");
  assert.equal(features.has("register"), true);
  assert.equal(features.has("reports"), false);
});

test("drones without units: the drone tab and keys stay, dispatch goes", () => {
  const features = new Features(["drones"]);
  assert.deepEqual(features.tabs().map(([tab]) => tab), ["incident", "cameras", "health", "drones"]);
  assert.equal(features.keyServed("d"), false);
  assert.equal(features.keyServed("p"), true);
  assert.equal(features.keyHints(), FULL_HINTS.replace(" · d dispatch", ""));
});

test("a central server lists its outposts; a node does not", () => {
  assert.equal(new Features(["outposts"]).central(), true);
  assert.equal(new Features([]).central(), false);
  assert.equal(new Features(NODE).central(), false);
  // Outposts change no tab, key or hint: the actions stay, sent as commands.
  assert.deepEqual(new Features(["outposts"]).tabs().map(([tab]) => tab), ["incident", "cameras", "health"]);
});

test("the central with evidence pulled from its outposts: commands and pulls, no node feature", () => {
  const features = new Features(["outposts", "evidence_pull"]);
  assert.equal(features.central(), true);
  assert.equal(features.has("evidence_pull"), true);
  assert.deepEqual(features.tabs().map(([tab]) => tab), ["incident", "cameras", "health"]);
  for (const feature of NODE) assert.equal(features.has(feature), false, feature);
  assert.equal(new Features(NODE).has("evidence_pull"), false);
});
