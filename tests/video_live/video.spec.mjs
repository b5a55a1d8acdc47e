// Live video and playback in Debian's Chromium, driven by playwright-core.
//
//   KORDON_URL=... KORDON_USER=... KORDON_PASSWORD=... node tests/video_live/video.spec.mjs
//
// Logs in, opens the Cameras tab: the live video plays (its currentTime advances), the grid
// shows every camera playing, playback lists the recorded footage on the timeline and a
// click on the timeline plays the recording from that moment. With MEASURE_S set, it instead
// watches the live view that long and prints the glass-to-glass delays read from the clock
// burned into the frames as one JSON line ({"delays_ms": [...]}).
// A screenshot per step goes to ARTIFACTS_DIR. Exits 0 on success, 1 with a message.
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
const artifacts = process.env.ARTIFACTS_DIR ?? path.resolve(here, "../../test-artifacts/video");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const measureS = Number(process.env.MEASURE_S ?? "0");
const viewport = { width: Number(process.env.VIEW_W ?? "1366"), height: Number(process.env.VIEW_H ?? "768") };

mkdirSync(artifacts, { recursive: true });
const problems = [];
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--autoplay-policy=no-user-gesture-required"],
});
const page = await (await browser.newContext({ viewport })).newPage();
page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
page.on("console", (msg) => {
  if (msg.type() === "error") problems.push(`console.error: ${msg.text()}`);
});

let step = 0;
async function shot(name) {
  step += 1;
  await page.screenshot({ path: path.join(artifacts, `${String(step).padStart(2, "0")}-${name}.png`) });
}

async function currentTime(selector) {
  return page.locator(selector).first().evaluate((video) => video.currentTime);
}

/** Waits until the video's currentTime has moved on by `seconds` (it plays). */
async function advances(selector, seconds, timeoutMs) {
  const start = await currentTime(selector);
  await page.waitForFunction(
    ([sel, from, by]) => {
      const video = document.querySelector(sel);
      return video !== null && video.currentTime >= from + by && !video.paused;
    },
    [selector, start, seconds],
    { timeout: timeoutMs },
  );
  return [start, await currentTime(selector)];
}

let code = 0;
try {
  await page.goto(measureS > 0 ? `${baseUrl}/?measure-delay` : baseUrl, { waitUntil: "domcontentloaded" });
  await page.getByTestId("login-username").fill(username);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.getByTestId("console").waitFor({ timeout: 15_000 });
  await page.getByTestId("tab-cameras").click();

  const live = '[data-testid="camera-stage"] video.live-video';
  await page.locator('.live-tile[data-state="playing"]').first().waitFor({ timeout: 30_000 });
  const [t0, t1] = await advances(live, 2.0, 20_000);
  console.log(`live video plays: currentTime ${t0.toFixed(2)} -> ${t1.toFixed(2)}`);
  await page.waitForTimeout(500);
  await shot("live");

  if (measureS > 0) {
    const delays = await page.evaluate(
      (ms) =>
        new Promise((resolve) => {
          const seen = [];
          document.addEventListener("kordon-live-delay", (event) => seen.push(event.detail));
          setTimeout(() => resolve(seen), ms);
        }),
      measureS * 1000,
    );
    console.log(JSON.stringify({ delays_ms: delays }));
  } else {
    await page.getByTestId("camera-mode-grid").click();
    await page.getByTestId("camera-grid").waitFor({ timeout: 10_000 });
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="camera-grid"] .live-tile[data-state="playing"]').length >= 2,
      undefined,
      { timeout: 30_000 },
    );
    await advances('[data-testid="camera-grid"] video.live-video', 1.0, 20_000);
    console.log("grid: every camera plays");
    await shot("grid");

    await page.getByTestId("camera-mode-playback").click();
    const timeline = page.getByTestId("playback-timeline");
    await timeline.waitFor({ timeout: 10_000 });
    // the window ends now: wait for a recorded span (segments of 2 s close continuously)
    await page.locator(".timeline-span").first().waitFor({ timeout: 30_000 });
    const span = await page.locator(".timeline-span").first().boundingBox();
    const box = await timeline.boundingBox();
    if (!span || !box) throw new Error("timeline not laid out");
    const x = Math.max(span.x + 1, span.x + span.width - 3);
    await page.mouse.move(x, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(x - 1, box.y + box.height / 2, { steps: 2 });
    await page.mouse.up();
    const [p0, p1] = await advances('[data-testid="playback-video"]', 1.0, 30_000);
    const shown = Number(await page.getByTestId("playback").getAttribute("data-time"));
    console.log(`playback plays: currentTime ${p0.toFixed(2)} -> ${p1.toFixed(2)} at ${new Date(shown).toISOString()}`);
    if (!(Math.abs(Date.now() - shown) < 120_000)) throw new Error(`playback time ${shown} is not the last minutes`);
    await shot("playback");
  }
  if (problems.length) console.log(`browser problems:\n${problems.join("\n")}`);
} catch (error) {
  code = 1;
  console.error(`FAILED: ${error instanceof Error ? error.stack : error}`);
  console.error(problems.join("\n"));
  await page.screenshot({ path: path.join(artifacts, "failure.png") }).catch(() => undefined);
}
writeFileSync(path.join(artifacts, "problems.txt"), problems.join("\n") + "\n");
await browser.close();
process.exit(code);
