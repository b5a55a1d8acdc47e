// Unit checks of web/src/store.ts: incident versions and resync merges, the queue's filters and
// order, alerts marked until seen, track expiry, devices, and which topics each change emits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTs } from "./load_ts.mjs";

const { Store, TRACK_TTL_MS, alertedMs, trackKey } = await loadTs("store.ts");

const T = "2026-05-04T12:00:00Z";
const at = (seconds) => new Date(Date.parse(T) + seconds * 1000).toISOString();

function incident(id, fields = {}) {
  return {
    id,
    title: `incident ${id}`,
    status: "open",
    priority: 3,
    opened_at: T,
    updated_at: T,
    last_alert_at: T,
    version: 1,
    sector_id: "s1",
    assignee: null,
    dispatched_unit: null,
    resolution: null,
    event_ids: [],
    kind: "border_crossing",
    class_name: "person",
    direction: "inbound",
    lat: null,
    lon: null,
    km_post: null,
    camera_id: null,
    sla_due_at: null,
    escalated: false,
    crossings: { inbound: 1, outbound: 0, line_in: 0, line_out: 0 },
    history: [],
    notes: [],
    ...fields,
  };
}

function alert(incidentId, fields = {}) {
  return {
    incident_id: incidentId,
    event_id: "e",
    reasons: ["crossing"],
    alerted_at: T,
    priority: 1,
    title: "t",
    sector_id: "s1",
    kind: "border_crossing",
    direction: "inbound",
    class_name: "person",
    km_post: 1.2,
    camera_id: "cam-1",
    crossings: { inbound: 1, outbound: 0, line_in: 0, line_out: 0 },
    seq: 1,
    epoch: "e1",
    replayed: false,
    ...fields,
  };
}

/** The topics emitted while `action` runs, in order. */
function emitted(store, action) {
  const topics = [];
  for (const topic of ["incidents", "selection", "filters", "tracks", "cameras", "devices", "connection", "alerts", "settings"]) {
    store.on(topic, () => topics.push(topic));
  }
  action();
  return topics;
}

test("a live update replaces an incident only with the same or a newer version", () => {
  const store = new Store();
  store.setIncidents([incident("a", { version: 3, title: "v3" })]);
  assert.deepEqual(
    emitted(store, () => store.upsertIncident(incident("a", { version: 2, title: "v2" }))),
    [],
  );
  assert.equal(store.incidents.get("a").title, "v3");
  store.upsertIncident(incident("a", { version: 4, title: "v4" }));
  assert.equal(store.incidents.get("a").title, "v4");
  assert.deepEqual(emitted(store, () => store.upsertIncident(incident("a", { version: 4, title: "v4 again" }))), ["incidents"]);
  assert.equal(store.incidents.get("a").title, "v4 again", "the same version sent again is taken");
  store.upsertIncident(incident("b", { version: 1 }));
  assert.deepEqual([...store.incidents.keys()].sort(), ["a", "b"]);
});

test("an update of the selected incident also tells the selection", () => {
  const store = new Store();
  store.setIncidents([incident("a"), incident("b")]);
  store.select("a");
  assert.deepEqual(emitted(store, () => store.upsertIncident(incident("a", { version: 2 }))), ["incidents", "selection"]);
  assert.deepEqual(emitted(store, () => store.upsertIncident(incident("b", { version: 2 }))), ["incidents"]);
  assert.equal(store.selected().version, 2);
});

test("a resync list never rolls back an incident the live feed already updated", () => {
  const store = new Store();
  store.setIncidents([incident("a", { version: 1 })]);
  store.upsertIncident(incident("a", { version: 5, status: "acknowledged" })); // overtook the fetch
  store.setIncidents([incident("a", { version: 4, status: "open" })]);
  assert.equal(store.incidents.get("a").version, 5);
  assert.equal(store.incidents.get("a").status, "acknowledged");
  store.setIncidents([incident("a", { version: 6, status: "resolved" })]);
  assert.equal(store.incidents.get("a").status, "resolved");
});

test("a resync keeps an incident opened while the list was fetched, and drops ones gone before", () => {
  const store = new Store();
  store.setIncidents([incident("old"), incident("kept")]);
  store.upsertIncident(incident("new")); // live, after the list request went out
  store.setIncidents([incident("kept")]);
  assert.deepEqual([...store.incidents.keys()].sort(), ["kept", "new"]);
  // the next list that lacks it drops it: it was not sent live since
  store.setIncidents([incident("kept")]);
  assert.deepEqual([...store.incidents.keys()], ["kept"]);
});

test("the queue: active only by default, most recently alerted first, then priority, then id", () => {
  const store = new Store();
  store.setIncidents([
    incident("p3-old", { priority: 3, last_alert_at: at(0) }),
    incident("p1-old", { priority: 1, last_alert_at: at(0) }),
    incident("p5-new", { priority: 5, last_alert_at: at(60) }),
    incident("b-p2", { priority: 2, last_alert_at: at(30) }),
    incident("a-p2", { priority: 2, last_alert_at: at(30) }),
    incident("closed", { status: "closed", last_alert_at: at(999) }),
    incident("resolved", { status: "resolved", last_alert_at: at(999) }),
    incident("acked", { status: "acknowledged", last_alert_at: at(-10) }),
    incident("sent", { status: "dispatched", last_alert_at: at(-20) }),
  ]);
  assert.deepEqual(
    store.queue().map((i) => i.id),
    ["p5-new", "a-p2", "b-p2", "p1-old", "p3-old", "acked", "sent"],
  );
});

test("queue filters: sector, one status or all, priority at or above", () => {
  const store = new Store();
  store.setIncidents([
    incident("s1-p1", { sector_id: "s1", priority: 1, last_alert_at: at(3) }),
    incident("s2-p2", { sector_id: "s2", priority: 2, last_alert_at: at(2) }),
    incident("s1-p4-closed", { sector_id: "s1", priority: 4, status: "closed", last_alert_at: at(1) }),
    incident("none-p3", { sector_id: null, priority: 3, last_alert_at: at(0) }),
  ]);
  const ids = () => store.queue().map((i) => i.id);
  assert.deepEqual(emitted(store, () => store.setFilters({ sector: "s1" })), ["filters"]);
  assert.deepEqual(ids(), ["s1-p1"]);
  store.setFilters({ status: "all" });
  assert.deepEqual(ids(), ["s1-p1", "s1-p4-closed"]);
  store.setFilters({ sector: "", status: "closed" });
  assert.deepEqual(ids(), ["s1-p4-closed"]);
  store.setFilters({ status: "all", priority: 2 });
  assert.deepEqual(ids(), ["s1-p1", "s2-p2"]);
  assert.deepEqual(store.filters, { sector: "", status: "all", priority: 2 });
});

test("an alert unknown time sorts last, as if alerted at the epoch", () => {
  assert.equal(alertedMs(incident("x", { last_alert_at: "not a time" })), 0);
  assert.equal(alertedMs(incident("x", { last_alert_at: T })), Date.parse(T));
});

test("an alert marks its incident until the operator selects it", () => {
  const store = new Store();
  store.setIncidents([incident("a"), incident("b")]);
  assert.deepEqual(emitted(store, () => store.noteAlert(alert("a"), 1000)), ["alerts"]);
  assert.deepEqual([...store.unseenAlerts], [["a", 1000]]);
  assert.equal(store.lastAlert.incident_id, "a");
  assert.deepEqual(emitted(store, () => store.select("a")), ["alerts", "selection"]);
  assert.equal(store.unseenAlerts.size, 0);
  // an alert on the incident being looked at is not marked
  store.noteAlert(alert("a"), 2000);
  assert.equal(store.unseenAlerts.size, 0);
  store.noteAlert(alert("b"), 3000);
  assert.deepEqual(emitted(store, () => store.select("a")), [], "selecting the selected one again does nothing");
  assert.deepEqual(emitted(store, () => store.select(null)), ["selection"]);
  assert.deepEqual([...store.unseenAlerts.keys()], ["b"]);
  assert.equal(store.selected(), null);
});

test("tracks: keyed per camera or by site id, unclassified named, expired after the TTL", () => {
  const store = new Store();
  const track = (fields) => ({
    track_id: "7",
    camera_id: "cam-1",
    lat: 51,
    lon: 24,
    class_name: "person",
    time: T,
    trail: [],
    ellipse: null,
    confirmed: true,
    ...fields,
  });
  store.upsertTrack(track({}), 0);
  store.upsertTrack(track({ camera_id: "cam-2" }), 0);
  store.upsertTrack(track({ camera_id: null, track_id: "site-7", class_name: null }), 5000);
  assert.deepEqual([...store.tracks.keys()].sort(), ["cam-1/7", "cam-2/7", "site-7"]);
  assert.equal(store.tracks.get("site-7").class_name, "unknown");
  assert.equal(trackKey({ camera_id: null, track_id: "9" }), "9");
  assert.deepEqual(emitted(store, () => store.expireTracks(TRACK_TTL_MS)), [], "exactly at the TTL a track stays");
  assert.deepEqual(emitted(store, () => store.expireTracks(TRACK_TTL_MS + 1)), ["tracks"]);
  assert.deepEqual([...store.tracks.keys()], ["site-7"]);
  store.upsertTrack(track({ camera_id: null, track_id: "site-7", lat: 52 }), TRACK_TTL_MS + 4000);
  store.expireTracks(TRACK_TTL_MS + 5001);
  assert.equal(store.tracks.get("site-7").lat, 52, "an updated track lives on");
});

test("cameras bring their device states; device updates reach both panels", () => {
  const store = new Store();
  const status = (device_id, state) => ({ device_id, state, time: T, detail: "", metrics: {} });
  const camera = (id, st) => ({
    id,
    name: id,
    sector_id: "s1",
    kind: "visible",
    georeferenced: true,
    position: null,
    fov: null,
    status: st,
  });
  assert.deepEqual(
    emitted(store, () => store.setCameras([camera("cam-1", status("cam-1", "online")), camera("cam-2", null)])),
    ["cameras", "devices"],
  );
  assert.deepEqual([...store.cameras.keys()], ["cam-1", "cam-2"]);
  assert.deepEqual([...store.devices.keys()], ["cam-1"]);
  store.setDevices([status("rec-1", "degraded")]);
  assert.deepEqual([...store.devices.keys()].sort(), ["cam-1", "rec-1"], "a device list adds, never clears");
  assert.deepEqual(emitted(store, () => store.upsertDevice(status("cam-1", "offline"))), ["devices", "cameras"]);
  assert.equal(store.devices.get("cam-1").state, "offline");
});

test("connection state is told only when it changes; settings are copied", () => {
  const store = new Store();
  assert.equal(store.connection, "offline");
  assert.deepEqual(emitted(store, () => store.setConnection("connecting")), ["connection"]);
  assert.deepEqual(emitted(store, () => store.setConnection("connecting")), []);
  const settings = { sound: false, volume: 0.2, soundUpToPriority: 2, flash: true };
  assert.deepEqual(emitted(store, () => store.setAlertSettings(settings)), ["settings"]);
  settings.flash = false;
  assert.equal(store.alertSettings.flash, true, "the store holds its own copy");
});
