// End-to-end operator walk-through in Debian's Chromium, driven by playwright-core.
//
//   KORDON_URL=http://127.0.0.1:8080 KORDON_USER=... KORDON_PASSWORD=... node tests/e2e/operator.spec.mjs
//
// Steps: log in, see the map with the border and the camera, wait for an incident in the
// queue and for two alerts (the demo's intruders cross every 20 s, alternately inbound and
// outbound: each crossing alerts, docs/alerts.md); open the incident (the snapshot is the
// crossing frame), acknowledge it, dispatch a patrol unit from the pane, play its clip from
// the crossing mark; play the camera live; scrub the playback timeline; resolve; export the
// evidence from the pane with a reason and download the bundle (EXPORT_FILE, verified offline
// by test_browser.py); close it (its actions disabled). A screenshot per step goes to
// ARTIFACTS_DIR.
//
// VIEWPORT ("1366x768" by default) sets the window; with SCREENSHOT_DIR the console's views
// (overview, incident, live, playback, export) are also written there as
// console-<view>-<viewport>.png for the README (`make screenshots`).
// Exits 0 on success, 1 with a message (and failure.png) on the first failed step.
import { launchChromium, stampedLog, waitForMap, writeLog } from "./support.mjs";
import { createRequire } from "node:module";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = process.env.KORDON_WEB_DIR ?? path.resolve(here, "../../web");
const { chromium } = createRequire(path.join(webDir, "package.json"))("playwright-core");

const baseUrl = process.env.KORDON_URL ?? "http://127.0.0.1:8080";
const username = process.env.KORDON_USER ?? "";
const password = process.env.KORDON_PASSWORD ?? "";
const artifacts = process.env.ARTIFACTS_DIR ?? path.resolve(here, "../../test-artifacts/e2e");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const incidentTimeoutMs = Number(process.env.INCIDENT_TIMEOUT_S ?? "150") * 1000;
const clipTimeoutMs = Number(process.env.CLIP_TIMEOUT_S ?? "90") * 1000;
const stopAfter = process.env.STOP_AFTER ?? ""; // "login" or "map": partial runs
const viewportName = process.env.VIEWPORT ?? "1366x768";
const viewportMatch = /^(\d{3,4})x(\d{3,4})$/.exec(viewportName);
if (!viewportMatch) throw new Error(`VIEWPORT must be WIDTHxHEIGHT, got ${viewportName}`);
const viewport = { width: Number(viewportMatch[1]), height: Number(viewportMatch[2]) };
const screenshotDir = process.env.SCREENSHOT_DIR ?? ""; // the README's pictures, when set
const exportFile = process.env.EXPORT_FILE ?? path.join(artifacts, "export-ui.zip");
const exportReason = "e2e walk-through: evidence for the border guard report";

mkdirSync(artifacts, { recursive: true });
if (screenshotDir) mkdirSync(screenshotDir, { recursive: true });
const { log, note } = stampedLog();

const browser = await launchChromium(chromium, executablePath, [
  "--disable-quic",
  "--autoplay-policy=no-user-gesture-required",
]);
const context = await browser.newContext({ viewport, acceptDownloads: true });
const page = await context.newPage();
const problems = [];
page.on("console", (msg) => {
  if (msg.type() === "error" || msg.type() === "warning") problems.push(`console.${msg.type()}: ${msg.text()}`);
});
page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
page.on("requestfailed", (request) => {
  problems.push(`requestfailed: ${request.url()} ${request.failure()?.errorText ?? ""}`);
});
page.on("request", (request) => {
  const url = new URL(request.url());
  if (!["data:", "blob:"].includes(url.protocol) && url.origin !== new URL(baseUrl).origin) {
    problems.push(`off-site request: ${request.url()}`);
  }
});

// Basemap requests answered (vector tiles and glyphs of the node's OpenStreetMap extract).
const basemapAnswers = { tiles200: 0, tiles204: 0, glyphs200: 0, other: [] };
page.on("response", (response) => {
  const url = new URL(response.url());
  if (url.pathname.startsWith("/api/basemap/tiles/")) {
    if (response.status() === 200) basemapAnswers.tiles200 += 1;
    else if (response.status() === 204) basemapAnswers.tiles204 += 1;
    else basemapAnswers.other.push(`${response.status()} ${url.pathname}`);
  } else if (url.pathname.startsWith("/api/basemap/glyphs/")) {
    if (response.status() === 200) basemapAnswers.glyphs200 += 1;
    else basemapAnswers.other.push(`${response.status()} ${url.pathname}`);
  }
});

let step = 0;
async function shot(name) {
  step += 1;
  const file = path.join(artifacts, `${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file });
  note(`screenshot ${file}`);
}

/** The step's screenshot, also kept as the README's picture of `view` when SCREENSHOT_DIR is set. */
async function publish(name, view) {
  await shot(name);
  if (!screenshotDir) return;
  const file = path.join(screenshotDir, `console-${view}-${viewportName}.png`);
  copyFileSync(path.join(artifacts, `${String(step).padStart(2, "0")}-${name}.png`), file);
  note(`published ${file}`);
}

function finish(code, message) {
  writeLog(artifacts, log, problems);
  if (message) console.error(message);
  return browser.close().then(() => process.exit(code));
}

try {
  note(`open ${baseUrl}`);
  await page.goto(baseUrl, { waitUntil: "domcontentloaded" });
  await page.getByTestId("login-page").waitFor({ timeout: 15_000 });
  await shot("login");
  if (stopAfter === "login") await finish(0);

  await page.getByTestId("login-username").fill(username);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.getByTestId("console").waitFor({ timeout: 15_000 });
  note("logged in");

  const map = page.getByTestId("map");
  await waitForMap(page);
  await page.locator('[data-testid^="camera-label-"]').first().waitFor({ timeout: 15_000 });
  await page.getByTestId("connection-state").and(page.locator('[data-state="live"]')).waitFor({ timeout: 15_000 });
  note(`map ready (${await map.getAttribute("data-layerkmposts") ?? "no km posts"})`);
  await page.waitForTimeout(1000); // let tiles and markers paint
  for (let i = 0; i < 100 && basemapAnswers.tiles200 === 0; i += 1) await page.waitForTimeout(100);
  note(`basemap: ${JSON.stringify(basemapAnswers)}`);
  if (basemapAnswers.tiles200 === 0) throw new Error("no basemap tile was answered 200");
  if (basemapAnswers.glyphs200 === 0) throw new Error("no label glyphs were loaded");
  if (basemapAnswers.other.length > 0) throw new Error(`basemap errors: ${basemapAnswers.other.join(", ")}`);
  const box = await map.boundingBox();
  if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const readout = (await page.getByTestId("cursor-readout").textContent()) ?? "";
  note(`cursor: ${readout}`);
  if (!/\d+\.\d{5}° [NS] \d+\.\d{5}° [EW] · \d{1,2}[C-X] [A-Z]{2} \d{5} \d{5}/.test(readout)) {
    throw new Error(`cursor readout is not lat/lon · MGRS: ${readout}`);
  }
  await shot("map");
  if (stopAfter === "map") await finish(0);

  note("waiting for an incident");
  const row = page.getByTestId("incident-row").first();
  await row.waitFor({ timeout: incidentTimeoutMs });
  note(`first incident ${await row.getAttribute("data-id")}`);

  // Each crossing alerts: the banner counts the alerts the console received.
  const banner = page.getByTestId("alert-banner");
  await page.waitForFunction(
    () => Number(document.querySelector('[data-testid="alert-banner"]')?.dataset.count ?? "0") >= 2,
    undefined,
    { timeout: incidentTimeoutMs },
  );
  note(`alerts: ${await banner.getAttribute("data-count")}, last: ${await banner.textContent()}`);
  const alerted = page.locator('[data-testid="incident-row"][data-alerted]');
  note(`rows marked alerted: ${await alerted.count()}; crossings: ${(await page.getByTestId("crossings").allTextContents()).join(" | ")}`);
  await publish("alerts", "overview");

  // The incident to walk through: one whose crossing a camera saw (on a loaded machine the
  // fused picture may credit a crossing to the radar alone, which has no frame to show).
  const cameraCrossingIncident = () =>
    page.evaluate(async () => {
      const get = async (path) => (await fetch(path, { credentials: "same-origin" })).json();
      const cameras = new Set((await get("/api/cameras")).map((c) => c.id));
      for (const incident of await get("/api/incidents?status=open")) {
        for (const id of incident.event_ids) {
          const event = await get(`/api/events/${id}`);
          if (event.kind === "border_crossing" && cameras.has(event.source_id)) return incident.id;
        }
      }
      return null;
    });
  let incidentId = null;
  for (const deadline = Date.now() + incidentTimeoutMs; incidentId === null; ) {
    incidentId = await cameraCrossingIncident();
    if (incidentId !== null) break;
    if (Date.now() > deadline) throw new Error("no open incident with a crossing a camera saw");
    await page.waitForTimeout(3000);
  }
  note(`incident ${incidentId}`);
  // The queue re-renders on every live update (and flashes on alerts): a DOM click on the
  // row by id, not a pointer click on an element that may be replaced under it.
  await page.locator(`[data-testid="incident-row"][data-id="${incidentId}"]`).waitFor({ timeout: 15_000 });
  await page.evaluate((id) => document.querySelector(`[data-testid="incident-row"][data-id="${id}"]`)?.click(), incidentId);
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid="incident-row"][data-id="${id}"]`)?.classList.contains("selected"),
    incidentId,
    { timeout: 15_000 },
  );
  await page.keyboard.press("Enter");
  const statusOf = (id, status) =>
    page.waitForFunction(
      ([i, st]) => document.querySelector(`[data-testid="incident-row"][data-id="${i}"]`)?.dataset.status === st,
      [id, status],
      { timeout: 15_000 },
    );

  // The snapshot is the crossing frame itself (the frame a camera's rule fired on), and it
  // loads; an incident a radar opened shows it once the camera's crossing joins.
  const snapshot = page.getByTestId("event-snapshot");
  await page.waitForFunction(
    () => {
      const img = document.querySelector('[data-testid="event-snapshot"]');
      return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0 && img.dataset.eventKind === "border_crossing";
    },
    undefined,
    { timeout: incidentTimeoutMs },
  ).catch(async (error) => {
    const shown = await page.getByTestId("incident-detail").locator(".detail-snapshot").textContent().catch(() => "?");
    throw new Error(`no camera snapshot of the crossing (${shown}): ${error.message}`);
  });
  const snapshotKind = await snapshot.getAttribute("data-event-kind");
  note(`snapshot of ${await snapshot.getAttribute("data-event-id")} (${snapshotKind}), ${await snapshot.evaluate((el) => `${el.naturalWidth}x${el.naturalHeight}`)}`);
  if (snapshotKind !== "border_crossing") throw new Error(`the snapshot is of a ${snapshotKind} event, not the crossing`);
  await page.waitForTimeout(800); // the map's fly-to the incident
  await publish("incident", "incident");

  await page.keyboard.press("a");
  await statusOf(incidentId, "acknowledged");
  const assignee = await page.locator(".facts dt:text-is('Assignee') + dd").textContent();
  note(`acknowledged, assignee ${assignee}`);
  if (assignee !== username) throw new Error(`acknowledging did not assign the operator: assignee ${assignee}`);
  await shot("acknowledged");

  // Dispatch a registered patrol unit from the pane: a choice from the register, not free text.
  await page.keyboard.press("d");
  const unitSelect = page.getByTestId("dispatch-unit");
  await unitSelect.and(page.locator(":enabled")).waitFor({ timeout: 15_000 });
  const unitId = await unitSelect.inputValue();
  const unitText = await unitSelect.locator("option:checked").textContent();
  if (!unitId) throw new Error("no available unit offered for dispatch");
  await page.getByTestId("dispatch-send").click();
  await statusOf(incidentId, "dispatched");
  const unitFact = await page.locator(".facts dt:text-is('Unit') + dd").textContent();
  note(`dispatched ${unitText} (${unitId}); pane shows unit ${unitFact}`);
  if (!unitFact || unitFact === "—") throw new Error("the pane does not name the dispatched unit");
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid="unit-row"][data-unit-id="${id}"]`)?.dataset.status === "dispatched",
    unitId,
    { timeout: 15_000 },
  );
  await shot("dispatched");

  // The clip around the crossing, with the crossing marked; the mark seeks to it.
  const video = page.getByTestId("clip-player").first();
  await video.waitFor({ timeout: clipTimeoutMs });
  const mark = page.getByTestId("clip-crossing").first();
  await mark.waitFor({ timeout: 15_000 });
  const markAt = Number(await mark.getAttribute("data-offset-s"));
  note(`clip marks: ${await page.getByTestId("clip-marks").first().textContent()}`);
  await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid="clip-player"]');
      return el instanceof HTMLVideoElement && el.readyState >= 1;
    },
    undefined,
    { timeout: 30_000 },
  );
  await video.scrollIntoViewIfNeeded();
  await mark.click();
  await page.waitForFunction(
    (at) => {
      const el = document.querySelector('[data-testid="clip-player"]');
      return el instanceof HTMLVideoElement && el.readyState >= 2 && el.currentTime >= at && el.currentTime < at + 10;
    },
    markAt,
    { timeout: 30_000 },
  );
  note(`clip plays from the crossing mark at ${markAt}s (${await video.evaluate((el) => `${el.videoWidth}x${el.videoHeight}, t=${el.currentTime.toFixed(2)}s of ${el.duration.toFixed(1)}s`)})`);
  await shot("clip");

  // Live video of the camera, over the map.
  await page.locator("body").click({ position: { x: 5, y: 300 } }); // focus out of the player
  await page.keyboard.press("2");
  await page.getByTestId("camera-mode-live").click();
  await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid="live-video"]');
      return el instanceof HTMLVideoElement && el.readyState >= 2 && el.currentTime > 0 && el.closest(".live-tile")?.dataset.state === "playing";
    },
    undefined,
    { timeout: 45_000 },
  );
  // Frames keep coming: the decoded frame count grows (the player holds the live edge, so
  // currentTime alone may stand still while it catches up).
  const framesAt = () => page.getByTestId("live-video").evaluate((el) => el.getVideoPlaybackQuality().totalVideoFrames);
  const liveStart = await framesAt();
  await page.waitForFunction(
    (start) => {
      const el = document.querySelector('[data-testid="live-video"]');
      return el instanceof HTMLVideoElement && el.getVideoPlaybackQuality().totalVideoFrames >= start + 5;
    },
    liveStart,
    { timeout: 30_000 },
  ).catch(() => {
    throw new Error(`live video does not advance: ${liveStart} frames decoded, no more in 30 s`);
  });
  note(`live video plays: ${liveStart} -> ${await framesAt()} frames decoded`);
  await page.getByTestId("camera-expand").click();
  await page.waitForTimeout(700);
  await publish("live", "live");

  // Playback by time: scrub the timeline of recorded footage; the recording plays from there.
  await page.getByTestId("camera-mode-playback").click();
  const bar = page.getByTestId("playback-timeline");
  const span = bar.locator(".timeline-span").first();
  await span.waitFor({ timeout: 20_000 });
  const spanBox = await span.boundingBox();
  if (!spanBox || spanBox.width < 4) throw new Error(`no recorded footage to scrub: ${JSON.stringify(spanBox)}`);
  const y = spanBox.y + spanBox.height / 2;
  const from = spanBox.x + spanBox.width * 0.3;
  const to = spanBox.x + spanBox.width * 0.7;
  await page.mouse.move(from, y);
  await page.mouse.down();
  await page.mouse.move((from + to) / 2, y, { steps: 4 });
  await page.mouse.move(to, y, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid="playback-video"]');
      return el instanceof HTMLVideoElement && el.readyState >= 2 && el.currentTime > 0;
    },
    undefined,
    { timeout: 45_000 },
  );
  const played = await page.getByTestId("playback-time").textContent();
  note(`playback scrubbed to ${played}`);
  if (!/^\d\d:\d\d:\d\d UTC$/.test(played ?? "")) throw new Error(`the playback head is not on recorded footage: ${played}`);
  await publish("playback", "playback");
  await page.getByTestId("camera-expand").click(); // back to the map

  // Resolve, then export the evidence from the pane with a reason and download the bundle.
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  await page.keyboard.press("1");
  await page.keyboard.press("r");
  await page.getByTestId("resolve-true_alarm").waitFor({ timeout: 5_000 });
  await page.keyboard.press("t");
  await page.getByTestId("filter-status").selectOption("all");
  await statusOf(incidentId, "resolved");
  // The queue re-renders on every live update: scroll by id, not through a held element.
  await page.evaluate(
    (id) => document.querySelector(`[data-testid="incident-row"][data-id="${id}"]`)?.scrollIntoView({ block: "nearest" }),
    incidentId,
  );
  note("resolved");
  await shot("resolved");

  await page.keyboard.press("e");
  const reason = page.getByTestId("export-reason");
  await reason.waitFor({ timeout: 5_000 });
  await reason.fill(exportReason);
  await reason.press("Enter");
  const download = page.getByTestId("export-download");
  await download.waitFor({ timeout: 60_000 });
  const sha = await page.getByTestId("export-sha256").textContent();
  const [file] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), download.click()]);
  await file.saveAs(exportFile);
  note(`exported ${file.suggestedFilename()} (sha256 ${sha}) -> ${exportFile}`);
  writeFileSync(`${exportFile}.sha256`, `${sha}\n`);
  await page.getByTestId("export-result").scrollIntoViewIfNeeded();
  await publish("export", "export");

  await page.keyboard.press("c");
  await statusOf(incidentId, "closed");
  for (const action of ["action-ack", "action-dispatch", "action-resolve", "action-close"]) {
    if (!(await page.getByTestId(action).isDisabled())) throw new Error(`${action} is enabled on a closed incident`);
  }
  if ((await page.getByTestId("escalated-tag").count()) > 0) throw new Error("ESCALATED shown on a closed incident");
  const events = await page.getByTestId("event-line").allTextContents();
  note(`timeline: ${events.join(" | ")}`);
  if (!events.some((line) => /^\d\d:\d\d:\d\d crossing (inbound|outbound)/.test(line))) {
    throw new Error(`the timeline does not name the crossing in words: ${events.join(" | ")}`);
  }
  note("closed: actions disabled");
  await shot("closed");
  await finish(0);
} catch (error) {
  await page.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => undefined);
  await finish(1, `e2e step ${step + 1} failed: ${error instanceof Error ? error.message : String(error)}`);
}
