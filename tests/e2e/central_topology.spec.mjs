// The central server's operator UI with two outposts feeding it, in Debian's Chromium driven
// by playwright-core (tests/central/test_local_topology.py runs deploy/local-demo.sh, finds
// an incident of each outpost through the API, then runs this).
//
//   KORDON_URL=... KORDON_USER=... KORDON_PASSWORD=... INCIDENT_IDS=id1,id2 \
//     node tests/e2e/central_topology.spec.mjs
//
// Steps: log in; the map's borders load; every incident of INCIDENT_IDS appears in the
// incident queue (the central's list, fed by the edges over MQTT); the keys of features the
// central does not serve (4 drones, p patrol) are pressed and must do nothing; the Health tab
// lists every outpost of OUTPOST_IDS; ACK_INCIDENT (an open incident), acknowledged at the
// centre, shows "acknowledged" in the queue once its outpost has applied the command and its
// snapshot has come back; that incident's clips are asked of its outpost (the pane says
// "asking outpost …" until the listing comes) and, when it lists one, the first is pulled
// (progress, then the verified file in the player); the Health tab lists each outpost's
// devices under its row, and an admin opens edge-a's audit entries. RESULT_FILE gets
// {"rows": {id: row text}, "queue": [every row's id], "problems": [page errors and console
// errors], "failed": ["STATUS /path" of every answer over 399], "tabs": [the side panel's tab
// test ids], "views": [the top bar's office view test ids], "keys": the queue's key hints,
// "unavailable": [every visible text of the page that says "unavailable"], "toasts": [every
// toast shown during the walk], "outposts": {id: row text}, "snapshot": "loaded" when the
// acknowledged incident's camera frame showed, "acknowledged": status of
// ACK_INCIDENT's row at the end, "clips": {state, count, text, pulled} of its clip panel
// (pulled: "played", "failed: <reason>" or "" when none was listed), "devices": {outpost id:
// ["device state", ...]}, "audit": whether edge-a's audit table opened};
// ARTIFACTS_DIR gets central-queue.png (the whole console, the incident's clips),
// central-outposts.png (the Health tab with the outposts' devices and an audit table) and
// log.txt.
// Exits 0 on success, 1 with a message (and failure.png) on the first failed step.
import { launchChromium, stampedLog, waitForMap, writeLog } from "./support.mjs";
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = process.env.KORDON_WEB_DIR ?? path.resolve(here, "../../web");
const { chromium } = createRequire(path.join(webDir, "package.json"))("playwright-core");

const baseUrl = process.env.KORDON_URL ?? "http://127.0.0.1:8080";
const username = process.env.KORDON_USER ?? "admin";
const password = process.env.KORDON_PASSWORD ?? "";
const incidentIds = (process.env.INCIDENT_IDS ?? "").split(",").filter(Boolean);
const artifacts = process.env.ARTIFACTS_DIR ?? path.resolve(here, "../../test-artifacts/e2e-central");
const resultFile = process.env.RESULT_FILE ?? path.join(artifacts, "result.json");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const rowTimeoutMs = Number(process.env.ROW_TIMEOUT_S ?? "60") * 1000;
const outpostIds = (process.env.OUTPOST_IDS ?? "").split(",").filter(Boolean);
const ackIncident = process.env.ACK_INCIDENT ?? "";

mkdirSync(artifacts, { recursive: true });
const { log, note } = stampedLog();

const browser = await launchChromium(chromium, executablePath);
const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
const problems = [];
page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
page.on("console", (msg) => {
  if (msg.type() === "error") problems.push(`console.error: ${msg.text()}`);
});
// Every answer of the central over 399, as "STATUS /path" (the console's
// "Failed to load resource" names no URL).
const failed = [];
page.on("response", (response) => {
  if (response.status() >= 400) failed.push(`${response.status()} ${new URL(response.url()).pathname}`);
});

function finish(code, message) {
  writeLog(artifacts, log, problems);
  if (message) console.error(message);
  return browser.close().then(() => process.exit(code));
}

try {
  if (incidentIds.length === 0) throw new Error("INCIDENT_IDS names no incident");
  await page.goto(baseUrl, { waitUntil: "domcontentloaded" });
  await page.getByTestId("login-username").fill(username);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.getByTestId("console").waitFor({ timeout: 15_000 });
  problems.length = 0; // the session check before the login answers 401 by design
  await waitForMap(page);
  note("logged in, map ready");
  // every toast the console shows from here on (a feature the server lacks must show none)
  await page.evaluate(() => {
    window.__toasts = [];
    for (const box of document.querySelectorAll('[data-testid="toast"], [data-testid="office-toast"]')) {
      new MutationObserver(() => {
        if (box.classList.contains("show")) window.__toasts.push(box.textContent ?? "");
      }).observe(box, { attributes: true, childList: true, characterData: true, subtree: true });
    }
  });

  const rows = {};
  for (const id of incidentIds) {
    const row = page.locator(`[data-testid="incident-queue"] [data-testid="incident-row"][data-id="${id}"]`);
    await row.waitFor({ state: "visible", timeout: rowTimeoutMs });
    rows[id] = ((await row.textContent()) ?? "").trim();
    note(`queue row ${id}: ${rows[id]}`);
  }
  const queue = await page
    .locator('[data-testid="incident-queue"] [data-testid="incident-row"]')
    .evaluateAll((els) => els.map((el) => el.getAttribute("data-id")));
  // keys of features the central does not serve: nothing opens, nothing is asked
  await page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined));
  for (const key of ["4", "p"]) await page.keyboard.press(key);
  await page.waitForTimeout(1000); // tiles and markers paint before the picture (and late answers)
  const tabs = await page.locator("nav.tabs button").evaluateAll((els) => els.map((el) => el.getAttribute("data-testid")));
  const views = await page
    .locator('[data-testid="office-nav"] button')
    .evaluateAll((els) => els.map((el) => el.getAttribute("data-testid")));
  const keys = ((await page.getByTestId("queue-keys").textContent()) ?? "").trim();
  const unavailable = await page.evaluate(() => {
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent ?? "";
      if (/unavailable/i.test(text) && node.parentElement?.checkVisibility()) found.push(text.trim());
    }
    return found;
  });
  // the outposts, on the Health tab
  await page.keyboard.press("3");
  const outposts = {};
  for (const id of outpostIds) {
    const row = page.locator(`[data-testid="outpost-row"][data-outpost="${id}"]`);
    await row.waitFor({ state: "visible", timeout: 15_000 });
    outposts[id] = ((await row.textContent()) ?? "").trim();
    note(`outpost ${id}: ${outposts[id]}`);
  }
  // each outpost's devices under its row (reported through its outbox; refreshed every 10 s)
  const devices = {};
  for (const [id, device] of (process.env.OUTPOST_DEVICES ?? "").split(",").filter(Boolean).map((pair) => pair.split(":"))) {
    await page
      .locator(`tr.outpost-device-row[data-outpost="${id}"] [data-testid="outpost-device"][data-device="${device}"]`)
      .waitFor({ state: "visible", timeout: 30_000 });
  }
  for (const id of outpostIds) {
    devices[id] = await page
      .locator(`tr.outpost-device-row[data-outpost="${id}"] [data-testid="outpost-device"]`)
      .evaluateAll((els) => els.map((el) => `${el.getAttribute("data-device")} ${el.getAttribute("data-state")}`));
    note(`devices of ${id}: ${devices[id].join(", ")}`);
  }
  let audit = false;
  if (outpostIds.includes("edge-a")) {
    await page.locator('[data-testid="outpost-row"][data-outpost="edge-a"] [data-testid="outpost-audit-open"]').click();
    await page.getByTestId("outpost-audit-table").waitFor({ state: "visible", timeout: 15_000 });
    audit = true;
    note(`audit of edge-a: ${await page.getByTestId("outpost-audit-row").count()} rows`);
  }
  const outpostsShot = path.join(artifacts, "central-outposts.png");
  await page.screenshot({ path: outpostsShot });
  note(`screenshot ${outpostsShot}`);
  await page.keyboard.press("1");
  // an acknowledge at the centre: a command to the outpost, whose snapshot comes back
  let acknowledged = "";
  let snapshot = "";
  if (ackIncident) {
    const row = page.locator(`[data-testid="incident-queue"] [data-testid="incident-row"][data-id="${ackIncident}"]`);
    await row.click();
    await page.getByTestId("action-ack").click();
    await page
      .locator(`[data-testid="incident-queue"] [data-testid="incident-row"][data-id="${ackIncident}"][data-status="acknowledged"]`)
      .waitFor({ state: "visible", timeout: rowTimeoutMs });
    await page.waitForFunction(() => window.__toasts.some((t) => t.startsWith("applied at outpost")), null, {
      timeout: rowTimeoutMs,
    });
    acknowledged = (await row.getAttribute("data-status")) ?? "";
    note(`acknowledged at the centre: ${ackIncident} is ${acknowledged}`);
    // the camera frame its event was decided on, travelled with the event from the outpost
    try {
      await page.waitForFunction(
        () => {
          const img = document.querySelector('[data-testid="event-snapshot"]');
          return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0;
        },
        null,
        { timeout: rowTimeoutMs },
      );
      snapshot = "loaded";
    } catch {
      snapshot = (await page.getByTestId("no-snapshot").count()) ? "none" : "failed";
    }
    note(`snapshot of ${ackIncident} at the centre: ${snapshot}`);
  }
  // the acknowledged incident's clips: asked of its outpost, then listed (or none)
  const clips = { state: "", count: 0, text: "", pulled: "" };
  if (ackIncident) {
    await page.waitForFunction(
      () => ["listed", "empty", "refused", "silent"].includes(document.querySelector('[data-testid="pulled-clips-state"]')?.getAttribute("data-state") ?? ""),
      null,
      { timeout: rowTimeoutMs },
    );
    clips.state = (await page.getByTestId("pulled-clips-state").getAttribute("data-state")) ?? "";
    clips.text = ((await page.getByTestId("pulled-clips-state").textContent()) ?? "").trim();
    clips.count = await page.getByTestId("pulled-clip").count();
    note(`clips of ${ackIncident}: ${clips.state}, ${clips.count} listed: ${clips.text}`);
    if (clips.count > 0) {
      await page.getByTestId("pulled-clip-fetch").first().click();
      await page
        .locator('[data-testid="pulled-clips"] [data-testid="clip-player"], [data-testid="pull-error"]')
        .first()
        .waitFor({ state: "visible", timeout: rowTimeoutMs });
      const error = page.getByTestId("pull-error");
      clips.pulled = (await error.count()) > 0 ? `failed: ${await error.first().textContent()}` : "played";
      note(`first clip pulled: ${clips.pulled}`);
    }
  }
  const toasts = await page.evaluate(() => window.__toasts);
  note(`tabs ${tabs.join(",")}; views ${views.join(",")}; keys "${keys}"`);
  const file = path.join(artifacts, "central-queue.png");
  await page.screenshot({ path: file });
  note(`screenshot ${file}`);
  writeFileSync(resultFile, JSON.stringify({ rows, queue, problems, failed, tabs, views, keys, unavailable, toasts, outposts, acknowledged, snapshot, clips, devices, audit }, null, 1));
  await finish(0);
} catch (error) {
  await page.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => {});
  await finish(1, `central topology walk failed: ${error?.stack ?? error}`);
}
