// Browser side of bench_alert_browser.py: when does an alert reach the operator's screen?
//
//   KORDON_URL=... KORDON_USER=... KORDON_PASSWORD=... EXPECT=N node benchmarks/alert_browser.mjs
//
// Logs in to the console in Debian's Chromium (playwright-core), then watches the alert
// banner: each time it names a new alert, the page waits for the next animation frame (the
// frame that paints it) and a task after it, and records Date.now() with the banner's text
// (and the time the document changed, before that frame).
// Prints "READY" once watching, then, when EXPECT alerts were shown or TIMEOUT_S passed,
// one line "SHOWN <json>" with [{text, shown_ms}] and exits 0 (1 on a failed step).
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = process.env.KORDON_WEB_DIR ?? path.resolve(here, "../web");
const { chromium } = createRequire(path.join(webDir, "package.json"))("playwright-core");

const baseUrl = process.env.KORDON_URL ?? "";
const expected = Number(process.env.EXPECT ?? "0");
const timeoutMs = Number(process.env.TIMEOUT_S ?? "120") * 1000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  // when each alert's frame reached the page's WebSocket (as the browser reports it)
  const received = [];
  page.on("websocket", (ws) => {
    ws.on("framereceived", ({ payload }) => {
      const text = typeof payload === "string" ? payload : payload.toString();
      if (text.includes('"type":"alert"') || text.includes('"alert"')) received.push({ text: text.slice(0, 400), received_ms: Date.now() });
    });
  });
  await page.goto(baseUrl, { waitUntil: "domcontentloaded" });
  await page.getByTestId("login-username").fill(process.env.KORDON_USER ?? "");
  await page.getByTestId("login-password").fill(process.env.KORDON_PASSWORD ?? "");
  await page.getByTestId("login-submit").click();
  await page.getByTestId("console").waitFor({ timeout: 30_000 });
  await page.evaluate(() => {
    const shown = [];
    window.__kordonShown = shown;
    const banner = document.querySelector('[data-testid="alert-banner"]');
    if (!banner) throw new Error("no alert banner in the console");
    new MutationObserver(() => {
      const text = banner.textContent ?? "";
      const domMs = Date.now(); // the banner names the alert in the document
      // the frame that paints the new text, then a task after that frame
      requestAnimationFrame(() =>
        setTimeout(() => shown.push({ text, dom_ms: domMs, shown_ms: Date.now() }), 0),
      );
    }).observe(banner, { attributes: true, attributeFilter: ["data-count"] });
  });
  // the live feed is connected once the console says so
  await page.waitForFunction(
    () => document.querySelector('[data-testid="connection-state"]')?.dataset.state === "live",
    undefined,
    { timeout: 30_000 },
  );
  console.log("READY");
  await page.waitForFunction((n) => window.__kordonShown.length >= n, expected, { timeout: timeoutMs, polling: 200 });
  const shown = await page.evaluate(() => window.__kordonShown);
  console.log(`SHOWN ${JSON.stringify(shown)}`);
  console.log(`RECEIVED ${JSON.stringify(received)}`);
  await browser.close();
  process.exit(0);
} catch (error) {
  console.error(`alert_browser: ${error.message}`);
  await browser.close();
  process.exit(1);
}
