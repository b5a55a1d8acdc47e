// End-to-end operator walk-through in Debian's Chromium, driven by playwright-core.
//
//   KORDON_URL=http://127.0.0.1:8080 KORDON_USER=... KORDON_PASSWORD=... node tests/e2e/operator.spec.mjs
//
// Steps: log in, see the map with the border and the camera, wait for an incident in the
// queue and for two alerts (the demo's intruders cross every 20 s, alternately inbound and
// outbound: each crossing alerts, docs/alerts.md), acknowledge it, play its clip, resolve it. A screenshot per step goes to ARTIFACTS_DIR.
// Exits 0 on success, 1 with a message (and failure.png) on the first failed step.
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";
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

mkdirSync(artifacts, { recursive: true });
const log = [];
const note = (line) => {
  const stamped = `${new Date().toISOString()} ${line}`;
  log.push(stamped);
  console.log(stamped);
};

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
  ],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
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

function finish(code, message) {
  writeFileSync(path.join(artifacts, "log.txt"), [...log, "--- browser problems ---", ...problems].join("\n") + "\n");
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
  await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid="map"]');
      return el?.dataset.ready === "true" && el.dataset.layerborders === "loaded";
    },
    undefined,
    { timeout: 30_000 },
  );
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
  await shot("alerts");

  const incidentId = await row.getAttribute("data-id");
  note(`incident ${incidentId}`);
  await row.click();
  await page.keyboard.press("Enter");
  await shot("incident");

  await page.keyboard.press("a");
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid="incident-row"][data-id="${id}"]`)?.dataset.status === "acknowledged",
    incidentId,
    { timeout: 15_000 },
  );
  note("acknowledged");
  await shot("acknowledged");

  const video = page.getByTestId("clip-player").first();
  await video.waitFor({ timeout: clipTimeoutMs });
  await video.evaluate((el) => el.play().catch(() => undefined));
  await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid="clip-player"]');
      return el instanceof HTMLVideoElement && el.readyState >= 2 && el.currentTime > 0;
    },
    undefined,
    { timeout: 30_000 },
  );
  await video.scrollIntoViewIfNeeded();
  note(`clip plays (${await video.evaluate((el) => `${el.videoWidth}x${el.videoHeight}, t=${el.currentTime.toFixed(2)}s`)})`);
  await shot("clip");

  await page.locator("body").click({ position: { x: 5, y: 300 } }); // focus out of the player
  await page.keyboard.press("r");
  await page.getByTestId("resolve-true_alarm").waitFor({ timeout: 5_000 });
  await page.keyboard.press("t");
  await page.getByTestId("filter-status").selectOption("all");
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid="incident-row"][data-id="${id}"]`)?.dataset.status === "resolved",
    incidentId,
    { timeout: 15_000 },
  );
  // The queue re-renders on every live update: scroll by id, not through a held element.
  await page.evaluate(
    (id) => document.querySelector(`[data-testid="incident-row"][data-id="${id}"]`)?.scrollIntoView({ block: "nearest" }),
    incidentId,
  );
  note("resolved");
  await shot("resolved");

  await page.keyboard.press("c");
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid="incident-row"][data-id="${id}"]`)?.dataset.status === "closed",
    incidentId,
    { timeout: 15_000 },
  );
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
