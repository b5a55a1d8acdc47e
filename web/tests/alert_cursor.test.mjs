// Unit checks of web/src/alert_cursor.ts: resume query, repeats ignored, lost alerts noticed.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import ts from "typescript";

const source = readFileSync(new URL("../src/alert_cursor.ts", import.meta.url), "utf8");
const js = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
}).outputText;
const file = join(mkdtempSync(join(tmpdir(), "cursor-")), "alert_cursor.mjs");
writeFileSync(file, js);
const { AlertCursor } = await import(file);

const alert = (seq, epoch = "run1") => ({ incident_id: "i", seq, epoch });

test("a first connection asks for nothing, later ones resume after the last alert", () => {
  const cursor = new AlertCursor();
  assert.equal(cursor.query(), "");
  assert.equal(cursor.hello({ epoch: "run1", last_alert_seq: 7, replayed: 0, complete: true }), false);
  assert.equal(cursor.query(), "?epoch=run1&after=7");
  assert.equal(cursor.accept(alert(8)), true);
  assert.equal(cursor.query(), "?epoch=run1&after=8");
});

test("an alert sent twice (catch-up and live overlap) is taken once", () => {
  const cursor = new AlertCursor();
  cursor.hello({ epoch: "run1", last_alert_seq: 2, replayed: 0, complete: true });
  assert.equal(cursor.accept(alert(3)), true);
  assert.equal(cursor.accept(alert(4)), true);
  assert.equal(cursor.accept(alert(4)), false);
  assert.equal(cursor.accept(alert(3)), false);
  // the hello after a catch-up never moves the cursor back
  assert.equal(cursor.hello({ epoch: "run1", last_alert_seq: 4, replayed: 2, complete: true }), false);
  assert.equal(cursor.lastSeq, 4);
});

test("a resume the node cannot honour is reported once and the cursor restarts", () => {
  const cursor = new AlertCursor();
  cursor.hello({ epoch: "run1", last_alert_seq: 5, replayed: 0, complete: true });
  assert.equal(cursor.hello({ epoch: "run2", last_alert_seq: 1, replayed: 0, complete: false }), true);
  assert.equal(cursor.query(), "?epoch=run2&after=1");
  assert.equal(cursor.accept(alert(2, "run2")), true);
});

test("alerts without numbers (an older node) are always shown", () => {
  const cursor = new AlertCursor();
  assert.equal(cursor.accept({ incident_id: "i" }), true);
  assert.equal(cursor.accept({ incident_id: "i" }), true);
});
