// Sector patrol from the Drones tab, in Debian's Chromium driven by playwright-core, against
// a real demo node (tests/e2e/test_patrol_ui.py starts it and checks what the drone does).
//
//   KORDON_URL=... KORDON_USER=... KORDON_PASSWORD=... node tests/e2e/patrol.spec.mjs
//
// Steps: log in; the Drones tab by its key (4) lists the demo drone; a click on the drone
// on the map opens its popup, whose "Plan patrol" fills the form; key p focuses the sector;
// with REFUSED_SECTOR, a sector whose patrol the API refuses shows the refusal in words, and
// Esc dismisses it; a sector that plans (SECTOR, by default s1-tripoint: from where the demo
// drone is, a transit and a return on the home side round the winding border) shows the
// route on the map (the map's data-patrol is "preview"), the
// summary with the border check and the legs; Confirm uploads it and the result names the
// items the drone accepted (data-patrol "uploaded"). A screenshot per step, and of the map
// alone before and after planning (map-before.png, map-preview.png, for the caller's pixel
// check), go to ARTIFACTS_DIR; RESULT_FILE gets the plan the page received as JSON; with
// EXPORT_DIR, the preview's Export .plan and Export WPL downloads are saved there.
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
const username = process.env.KORDON_USER ?? "";
const password = process.env.KORDON_PASSWORD ?? "";
const artifacts = process.env.ARTIFACTS_DIR ?? path.resolve(here, "../../test-artifacts/e2e-patrol");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const droneId = process.env.DRONE_ID ?? "uav-1:1";
const sector = process.env.SECTOR ?? "s1-tripoint";
const refusedSector = process.env.REFUSED_SECTOR ?? "";
const resultFile = process.env.RESULT_FILE ?? path.join(artifacts, "plan.json");
// EXPORT_DIR: download the plan's .plan and WPL files there (a node with the export route)
const exportDir = process.env.EXPORT_DIR ?? "";

mkdirSync(artifacts, { recursive: true });
const { log, note } = stampedLog();

const browser = await launchChromium(chromium, executablePath);
const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
const page = await context.newPage();
const problems = [];
page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
page.on("console", (msg) => {
  if (msg.type() === "error") problems.push(`console.error: ${msg.text()}`);
});
let plan = null;
page.on("response", async (response) => {
  const url = new URL(response.url());
  if (response.request().method() === "POST" && url.pathname.endsWith("/patrol") && response.status() === 200) {
    plan = await response.json();
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
  writeLog(artifacts, log, problems);
  if (message) console.error(message);
  return browser.close().then(() => process.exit(code));
}

/** Clicks the drone's symbol: the map cells (16 px) with the most pixels of the drone colour
 * (#4dd2ff, web/src/map/drones.ts), best first, until its popup opens. */
async function openPopupOnDrone() {
  const map = page.getByTestId("map");
  // the demo drone patrols under tower 1's markers: show only the drones while looking
  const hidden = ["cameras", "incidents", "km", "tracks", "sensors", "units"];
  await page.getByTestId("layer-panel").locator("summary").click();
  for (const id of hidden) await page.getByTestId(`layer-toggle-${id}`).setChecked(false);
  await page.getByTestId("layer-panel").locator("summary").click();
  await page.waitForTimeout(500);
  const box = await map.boundingBox();
  const png = await map.screenshot();
  const cells = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, img.width, img.height).data;
    const size = 16;
    const counts = new Map();
    for (let y = 0; y < img.height; y += 1) {
      for (let x = 0; x < img.width; x += 1) {
        const i = (y * img.width + x) * 4;
        if (Math.abs(data[i] - 0x4d) + Math.abs(data[i + 1] - 0xd2) + Math.abs(data[i + 2] - 0xff) > 40) continue;
        const key = `${Math.floor(x / size)},${Math.floor(y / size)}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([key]) => key.split(",").map((v) => Number(v) * size + size / 2));
  }, png.toString("base64"));
  for (const [x, y] of cells) {
    await page.mouse.click(box.x + x, box.y + y);
    try {
      await page.getByTestId("drone-popup").waitFor({ timeout: 1500 });
      note(`drone popup at (${x}, ${y}): ${(await page.getByTestId("drone-popup").textContent()) ?? ""}`);
      await shot("popup");
      await page.getByTestId("layer-panel").locator("summary").click();
      for (const id of hidden) await page.getByTestId(`layer-toggle-${id}`).setChecked(true);
      await page.getByTestId("layer-panel").locator("summary").click();
      return;
    } catch {
      // not the drone: the next cell
    }
  }
  throw new Error(`no drone popup at any of ${JSON.stringify(cells)}`);
}

const mapPatrol = async () => (await page.getByTestId("map").getAttribute("data-patrol")) ?? "none";

try {
  await page.goto(baseUrl, { waitUntil: "domcontentloaded" });
  await page.getByTestId("login-username").fill(username);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.getByTestId("console").waitFor({ timeout: 15_000 });
  await waitForMap(page);
  note("logged in, map ready");
  problems.length = 0; // the session check before the login answers 401 by design

  // the Drones tab by its key; the drone appears from GET /api/drones and the live feed
  await page.locator("body").press("4");
  const row = page.locator(`[data-testid="drone-list"] tr[data-drone="${droneId}"]`);
  await row.waitFor({ timeout: 30_000 });
  note(`drone row: ${(await row.textContent()) ?? ""}`);
  await page.waitForTimeout(1500); // tiles paint
  await page.getByTestId("map").screenshot({ path: path.join(artifacts, "map-before.png") });
  await shot("drones");

  // the drone on the map: a click opens its popup, whose "Plan patrol" opens the form for it
  await openPopupOnDrone();
  await page.getByTestId("popup-plan-patrol").click();
  const afterPopup = await page.evaluate(() => [document.activeElement?.getAttribute("data-testid"), document.querySelector('[data-testid="patrol-drone"]')?.value]);
  if (afterPopup[0] !== "patrol-sector" || afterPopup[1] !== droneId) throw new Error(`the popup's Plan patrol left ${afterPopup}`);
  if ((await page.getByTestId("drone-popup").count()) !== 0) throw new Error("the popup stayed open");
  await page.locator("body").press("1"); // away, and back by the keys
  await page.locator("body").press("4");

  // key p: the sector select gets the focus
  await page.locator("body").press("p");
  const focused = await page.evaluate(() => document.activeElement?.getAttribute("data-testid"));
  if (focused !== "patrol-sector") throw new Error(`key p focused ${focused}, not the sector select`);
  const sectors = await page.locator('[data-testid="patrol-sector"] option').evaluateAll((os) => os.map((o) => o.value));
  note(`sectors offered: ${sectors.join(", ")}`);
  if (!sectors.includes(sector)) throw new Error(`sector ${sector} is not offered (${sectors.join(", ")})`);
  await page.getByTestId("patrol-drone").selectOption(droneId);

  if (refusedSector) {
    await page.getByTestId("patrol-sector").selectOption(refusedSector);
    await page.getByTestId("patrol-plan").click();
    const error = page.getByTestId("patrol-error");
    await error.waitFor({ timeout: 20_000 });
    const text = (await error.textContent()) ?? "";
    note(`refused: ${text}`);
    if (!/^No safe patrol: it would cross the border or its buffer\. \S/.test(text)) throw new Error(`refusal not in words: ${text}`);
    if ((await mapPatrol()) !== "none") throw new Error("a refused patrol is drawn on the map");
    await shot("refused");
    // the refusal's own 422, which Chromium logs as a failed resource: expected, nothing else
    const expected = problems.filter((p) => p.includes("status of 422"));
    if (expected.length !== 1) throw new Error(`expected one 422 in the console, got ${expected.length}`);
    problems.splice(problems.indexOf(expected[0]), 1);
    await page.locator("body").press("Escape");
    await page.locator('[data-testid="patrol-prompt"][data-phase="idle"]').waitFor({ timeout: 5_000 });
  }

  await page.getByTestId("patrol-sector").selectOption(sector);
  await page.getByTestId("patrol-plan").click();
  const summary = page.getByTestId("patrol-summary");
  await summary.waitFor({ timeout: 30_000 });
  const facts = (await summary.textContent()) ?? "";
  note(`summary: ${facts}`);
  if (!/Border checkNever crosses the border or its 100 m buffer: closest \d/.test(facts)) throw new Error(`no border check: ${facts}`);
  if ((await mapPatrol()) !== "preview") throw new Error(`map patrol state ${await mapPatrol()}, not preview`);
  const focusedAfterPlan = await page.evaluate(() => document.activeElement?.getAttribute("data-testid"));
  if (focusedAfterPlan !== "patrol-confirm") throw new Error(`the preview focused ${focusedAfterPlan}, not Confirm`);
  await page.locator("details.patrol-detail summary").click();
  const legs = await page.locator('[data-testid="patrol-legs"] tr').count();
  note(`legs table rows: ${legs}`);
  if (legs < 3) throw new Error("the legs table is empty");
  const exports = await page.locator('[data-testid^="patrol-export-"]').evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  note(`export links: ${exports.join(", ")}`);
  if (exportDir) {
    for (const format of ["plan", "waypoints"]) {
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId(`patrol-export-${format}`).click()]);
      const file = path.join(exportDir, download.suggestedFilename());
      await download.saveAs(file);
      note(`exported ${file}`);
    }
    await page.getByTestId("patrol-confirm").focus();
  }
  await page.waitForTimeout(1500); // the map eases to the route and paints it
  await page.getByTestId("map").screenshot({ path: path.join(artifacts, "map-preview.png") });
  await shot("preview");
  if (!plan) throw new Error("the page received no plan");
  writeFileSync(resultFile, JSON.stringify(plan));

  // Enter on the Confirm button (the preview's focus, taken by the legs' summary above) uploads
  await page.getByTestId("patrol-confirm").press("Enter");
  const result = page.getByTestId("patrol-result");
  await result.waitFor({ timeout: 30_000 });
  const done = (await result.textContent()) ?? "";
  note(`result: ${done}`);
  if (!new RegExp(`^Patrol accepted by ${droneId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: \\d+ items in`).test(done)) {
    throw new Error(`no upload result: ${done}`);
  }
  if ((await mapPatrol()) !== "uploaded") throw new Error(`map patrol state ${await mapPatrol()}, not uploaded`);
  await page.waitForTimeout(1000);
  await shot("uploaded");
  if (problems.length > 0) throw new Error(`browser problems:\n${problems.join("\n")}`);
  await finish(0);
} catch (error) {
  try {
    await page.screenshot({ path: path.join(artifacts, "failure.png") });
  } catch {
    // the page may be gone
  }
  await finish(1, `patrol walk failed at step ${step}: ${error instanceof Error ? error.message : String(error)}`);
}
