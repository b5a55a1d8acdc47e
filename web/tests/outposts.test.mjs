// The central console's outposts table helpers (web/src/outposts.ts): devices by state in
// words, who may open an outpost's audit entries, and an audit entry's columns.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTs } from "./load_ts.mjs";

const { deviceSummary, mayReadAudit, auditColumns, answered } = await loadTs("outposts.ts");

test("devices by state in a fixed order, none when none reported", () => {
  assert.equal(deviceSummary({ offline: 1, online: 2 }), "2 online · 1 offline");
  assert.equal(deviceSummary({ stopped: 1, degraded: 3, starting: 1 }), "1 starting · 3 degraded · 1 stopped");
  assert.equal(deviceSummary({ online: 0 }), "none reported");
  assert.equal(deviceSummary({}), "none reported");
});

test("audit entries are offered to admins and auditors only", () => {
  for (const role of ["admin", "auditor"]) assert.equal(mayReadAudit(role), true, role);
  for (const role of ["operator", "supervisor", "commander", "logistics", "", undefined]) assert.equal(mayReadAudit(role), false, String(role));
});

test("a ledger entry's columns: an audit entry's payload, other kinds as their JSON", () => {
  const audit = {
    seq: 4,
    time: "2026-12-05T21:54:43Z",
    kind: "audit",
    subject: "incident:inc-1",
    sha256: null,
    payload: { actor: "central:bob", action: "incident.acknowledge", outcome: "ok", details: { address: "1.2.3.4" } },
  };
  assert.deepEqual(auditColumns(audit), {
    time: "2026-12-05T21:54:43Z",
    actor: "central:bob",
    action: "incident.acknowledge",
    subject: "incident:inc-1",
    outcome: "ok",
  });
  const clip = { seq: 5, time: "2026-12-05T21:55:00Z", kind: "clip", subject: "a-cam-1", sha256: "ab".repeat(32), payload: { size: 10 } };
  assert.deepEqual(auditColumns(clip), { time: "2026-12-05T21:55:00Z", actor: "", action: '{"size":10}', subject: "a-cam-1", outcome: "" });
  const none = { time: null, actor: "", subject: "", outcome: "" };
  assert.deepEqual(auditColumns(null), { ...none, action: "(shipped as its hash)" });
  assert.deepEqual(auditColumns(["x"]), { ...none, action: '["x"]' });
  assert.deepEqual(auditColumns("text kept verbatim"), { ...none, action: '"text kept verbatim"' });
  assert.deepEqual(auditColumns({ kind: "audit", payload: [1] }), { ...none, action: '{"kind":"audit","payload":[1]}' });
});

test("a command is answered once applied, refused or expired", () => {
  for (const status of ["applied", "refused", "expired"]) assert.equal(answered({ status }), true, status);
  for (const status of ["queued", "sent"]) assert.equal(answered({ status }), false, status);
});
