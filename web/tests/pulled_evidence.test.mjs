// Reading the centre's evidence answers (web/src/pulled_evidence.ts): the listing's 202 while
// the outpost is asked, the pull's 202 progress, the verified file's 200, and every refusal
// with its reason; the progress in words.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTs } from "./load_ts.mjs";

const { readListing, readPull, progressWords, progressFraction, bytesWords, orderedClips, pulledClipLabel, retryUrl, validItemId } =
  await loadTs("pulled_evidence.ts");

const CLIP = {
  id: "clip-1",
  camera_id: "cam-1",
  start: "2026-12-05T12:04:31Z",
  end: "2026-12-05T12:05:10Z",
  around_event_id: null,
  default: false,
  url: "/api/central/incidents/inc-1/clips/clip-1",
};
const PULL = {
  transfer_id: "t1",
  edge_id: "edge-a",
  kind: "clip",
  item_id: "clip-1",
  incident_id: "inc-1",
  state: "fetching",
  received: 1_200_000,
  size: 3_000_000,
  sha256: "ab".repeat(32),
  error: null,
};

test("the listing: asking (202), listed (200), refused with the centre's reason", () => {
  const cases = [
    [{ status: 202, body: { state: "asking", edge_id: "edge-a", incident_id: "inc-1" } }, { state: "asking", edgeId: "edge-a" }],
    [{ status: 200, body: [CLIP] }, { state: "listed", clips: [CLIP] }],
    [{ status: 200, body: [] }, { state: "listed", clips: [] }],
    [{ status: 404, body: { detail: "incident 'inc-1': not_found" } }, { state: "refused", status: 404, detail: "incident 'inc-1': not_found" }],
    [{ status: 409, body: { detail: "incident 'inc-1' came from no outpost" } }, { state: "refused", status: 409, detail: "incident 'inc-1' came from no outpost" }],
    [{ status: 422, body: { detail: [{ msg: "bad" }] } }, { state: "refused", status: 422, detail: '[{"msg":"bad"}]' }],
    [{ status: 500, body: null }, { state: "refused", status: 500, detail: "the centre answered 500" }],
    // A 2xx the panel cannot read is refused, never shown as an empty listing.
    [{ status: 200, body: [{ id: "x" }] }, { state: "refused", status: 200, detail: "unexpected answer (200) from the centre" }],
    [{ status: 202, body: { state: "other" } }, { state: "refused", status: 202, detail: "unexpected answer (202) from the centre" }],
    [{ status: 200, body: { clips: [] } }, { state: "refused", status: 200, detail: "unexpected answer (200) from the centre" }],
  ];
  for (const [probe, expected] of cases) assert.deepEqual(readListing(probe), expected, JSON.stringify(probe));
});

test("a pull: travelling (202 with the transfer), ready (200), failed with the reason", () => {
  assert.deepEqual(readPull({ status: 202, body: PULL }), { state: "travelling", pull: PULL });
  assert.deepEqual(readPull({ status: 200, body: null }), { state: "ready" });
  assert.deepEqual(readPull({ status: 404, body: { detail: "clip 'clip-1' from edge-a: hash mismatch" } }), {
    state: "failed",
    status: 404,
    detail: "clip 'clip-1' from edge-a: hash mismatch",
  });
  assert.deepEqual(readPull({ status: 400, body: { detail: "bad id" } }), { state: "failed", status: 400, detail: "bad id" });
  assert.deepEqual(readPull({ status: 202, body: { state: "fetching" } }), {
    state: "failed",
    status: 202,
    detail: "unexpected answer (202) from the centre",
  });
});

test("progress in words and as a fraction", () => {
  assert.equal(progressWords(PULL, "Outpost A (tripoint)"), "1.2 MB of 3.0 MB from Outpost A (tripoint) (40 %)");
  assert.equal(progressFraction(PULL), 0.4);
  const opening = { ...PULL, state: "opening", size: null, received: 0 };
  assert.equal(progressWords(opening, "outpost edge-a"), "asking outpost edge-a to open it…");
  assert.equal(progressFraction(opening), null);
  const whole = { ...PULL, received: 3_000_000 };
  assert.equal(progressWords(whole, "outpost edge-a"), "3.0 MB of 3.0 MB from outpost edge-a (100 %)");
  assert.equal(progressFraction({ ...PULL, size: 0, received: 0 }), 1);
  assert.equal(progressFraction({ ...PULL, received: 5_000_000 }), 1);
});

test("bytes in words", () => {
  const cases = [[0, "0 B"], [999, "999 B"], [1000, "1.0 kB"], [131_072, "131.1 kB"], [3_000_000, "3.0 MB"], [16e9, "16.00 GB"]];
  for (const [bytes, words] of cases) assert.equal(bytesWords(bytes), words, String(bytes));
});

test("the outpost's default clip first, then by start; labels and the retry URL", () => {
  const later = { ...CLIP, id: "clip-2", start: "2026-12-05T12:06:00Z" };
  const earlier = { ...CLIP, id: "clip-0", start: "2026-12-05T12:00:00Z" };
  const preferred = { ...CLIP, id: "clip-9", start: "2026-12-05T12:09:00Z", default: true };
  assert.deepEqual(orderedClips([later, earlier, preferred]).map((c) => c.id), ["clip-9", "clip-0", "clip-2"]);
  assert.equal(pulledClipLabel(CLIP), "cam-1 · 12:04:31–12:05:10");
  assert.equal(pulledClipLabel(preferred), "cam-1 · 12:09:00–12:05:10 · default");
  assert.equal(retryUrl(CLIP.url), `${CLIP.url}?retry=true`);
  assert.equal(retryUrl(`${CLIP.url}?x=1`), `${CLIP.url}?x=1&retry=true`);
});

test("an id the link can carry (as kordon.link.evidence_wire reads one)", () => {
  for (const id of ["exp-1", "a", "clip.cam-1:20261205T120431Z", "A_b", "x".repeat(128)]) assert.equal(validItemId(id), true, id);
  for (const id of ["", "-lead", ".x", "has space", "a/b", "x".repeat(129), "é", "a\nb"]) assert.equal(validItemId(id), false, id);
});
