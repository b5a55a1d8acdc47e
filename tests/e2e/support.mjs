// What the real-browser walks share: a time-stamped step log, Debian's Chromium launched
// headless through playwright-core, and the log written beside the screenshots.
import { writeFileSync } from "node:fs";
import path from "node:path";

/** Flags every walk launches Chromium with: no sandbox (CI runs as root), no GPU, nothing
 * fetched from the network behind the page's back. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** `{ log, note }`: `note(line)` prints the line with an ISO time and keeps it in `log`. */
export function stampedLog() {
  const log = [];
  const note = (line) => {
    const stamped = `${new Date().toISOString()} ${line}`;
    log.push(stamped);
    console.log(stamped);
  };
  return { log, note };
}

/** Chromium (playwright-core's `chromium`) at `executablePath`, headless, with
 * `CHROMIUM_ARGS` and any `extraArgs`. */
export function launchChromium(chromium, executablePath, extraArgs = []) {
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** `log.txt` in `artifacts`: the steps, then the browser's problems. */
export function writeLog(artifacts, log, problems) {
  writeFileSync(path.join(artifacts, "log.txt"), [...log, "--- browser problems ---", ...problems].join("\n") + "\n");
}

/** Waits until the console's map is ready and its border layer has loaded. */
export function waitForMap(page, timeout = 30_000) {
  return page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid="map"]');
      return el?.dataset.ready === "true" && el.dataset.layerborders === "loaded";
    },
    undefined,
    { timeout },
  );
}
