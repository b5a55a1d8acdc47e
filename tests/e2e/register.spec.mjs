// The register and report pages in Debian's Chromium, driven by playwright-core.
//
//   KORDON_URL=... LOGISTICS_USER=... LOGISTICS_PASSWORD=... COMMANDER_USER=... COMMANDER_PASSWORD=... \
//   SCREENSHOT_DIR=docs/screenshots node tests/e2e/register.spec.mjs
//
// A logistics officer (desktop, 1366x768) lists the demo register, searches a serial and
// opens the asset; on a phone (390x844, GPS granted) he records an end-use check with a
// generated PNG photo; back on the desktop the check is on the asset page. A commander
// (who may make sector reports) makes a sector report as PDF and downloads it.
// Screenshots: register-list.png, register-asset.png, register-check-phone.png, reports.png.
// Exits 0 on success, 1 with a message (and failure-*.png in ARTIFACTS_DIR) on the first failure.
import { launchChromium, stampedLog, writeLog } from "./support.mjs";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateSync } from "node:zlib";

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = process.env.KORDON_WEB_DIR ?? path.resolve(here, "../../web");
const { chromium } = createRequire(path.join(webDir, "package.json"))("playwright-core");

const baseUrl = process.env.KORDON_URL ?? "http://127.0.0.1:8080";
const logistics = { user: process.env.LOGISTICS_USER ?? "", password: process.env.LOGISTICS_PASSWORD ?? "" };
const commander = { user: process.env.COMMANDER_USER ?? "", password: process.env.COMMANDER_PASSWORD ?? "" };
const shots = process.env.SCREENSHOT_DIR ?? path.resolve(here, "../../docs/screenshots");
const artifacts = process.env.ARTIFACTS_DIR ?? path.resolve(here, "../../test-artifacts/e2e-register");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SERIAL = "DEMO-CAM-0001";
const FIX = { latitude: 51.5512, longitude: 23.6021, accuracy: 8 };

mkdirSync(shots, { recursive: true });
mkdirSync(artifacts, { recursive: true });
const { log, note } = stampedLog();

/** A small RGB PNG (a gradient with a dark square), built by hand: no image library needed. */
function testPng(width, height) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x += 1) {
      const inside = x > width / 3 && x < (2 * width) / 3 && y > height / 3 && y < (2 * height) / 3;
      raw[row + 1 + x * 3] = inside ? 20 : Math.round((255 * x) / width);
      raw[row + 2 + x * 3] = inside ? 30 : Math.round((255 * y) / height);
      raw[row + 3 + x * 3] = inside ? 40 : 160;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const browser = await launchChromium(chromium, executablePath);
const problems = [];
/** Requests refused on purpose (bad input the walk-through sends) whose 422 is not a problem. */
let refusalsExpected = 0;
const pages = [];

async function open(name, options) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`${name} pageerror: ${error.message}`));
  page.on("console", (msg) => {
    // the session check before logging in answers 401: expected, not a problem
    if (msg.type() !== "error" || msg.text().includes("status of 401")) return;
    if (refusalsExpected > 0 && msg.text().includes("status of 422")) {
      refusalsExpected -= 1;
      return;
    }
    problems.push(`${name} console.error: ${msg.text()}`);
  });
  pages.push([name, page]);
  return page;
}

async function login(page, who) {
  await page.goto(baseUrl, { waitUntil: "domcontentloaded" });
  await page.getByTestId("login-page").waitFor({ timeout: 15_000 });
  await page.getByTestId("login-username").fill(who.user);
  await page.getByTestId("login-password").fill(who.password);
  await page.getByTestId("login-submit").click();
}

async function shot(page, name) {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file });
  note(`screenshot ${file}`);
}

async function finish(code, message) {
  if (message) {
    console.error(message);
    for (const [name, page] of pages) await page.screenshot({ path: path.join(artifacts, `failure-${name}.png`) }).catch(() => undefined);
  }
  writeLog(artifacts, log, problems);
  await browser.close();
  process.exit(code);
}

try {
  // -- the logistics officer at a desk ---------------------------------------------------
  const desk = await open("desk", { viewport: { width: 1366, height: 768 } });
  await login(desk, logistics);
  await desk.getByTestId("office-shell").waitFor({ timeout: 15_000 });
  if ((await desk.getByTestId("view-console").count()) !== 0) throw new Error("a logistics officer got the operator console");
  const rows = desk.locator('[data-testid="register-table"] tbody tr');
  await rows.first().waitFor({ timeout: 15_000 });
  const counted = (await desk.getByTestId("register-count").textContent()) ?? "";
  note(`register: ${counted}`);
  if (!/^1–\d+ of \d+$/.test(counted)) throw new Error(`unexpected count text ${counted}`);
  await shot(desk, "register-list");

  await desk.getByTestId("register-category").selectOption("helmet");
  await desk.waitForFunction(() => {
    const cells = [...document.querySelectorAll('[data-testid="register-table"] tbody td[data-label="Category"]')];
    return cells.length > 0 && cells.every((c) => c.textContent === "Helmet");
  }, undefined, { timeout: 10_000 });
  note(`helmets: ${await rows.count()}`);
  await desk.getByTestId("register-category").selectOption("");
  await desk.getByTestId("register-search").fill("cam-0001");
  await desk.getByTestId("register-apply").click();
  await desk.waitForFunction((serial) => {
    const found = [...document.querySelectorAll('[data-testid="register-table"] tbody tr')];
    return found.length === 1 && found[0].dataset.serial === serial;
  }, SERIAL, { timeout: 10_000 });
  if (!desk.url().includes("#register?q=cam-0001")) throw new Error(`the search is not in the URL: ${desk.url()}`);
  await rows.first().click();
  await desk.getByTestId("asset-history").waitFor({ timeout: 10_000 });
  const heading = await desk.getByTestId("asset-serial").textContent();
  if (heading !== SERIAL) throw new Error(`asset page shows ${heading}`);
  const custody = (await desk.getByTestId("asset-custody").textContent()) ?? "";
  if (!custody.includes("cam-1")) throw new Error(`the camera's linked device is not shown: ${custody}`);
  note("asset page open");

  // a status change needs its report; a transfer moves custody once both sides confirm
  await desk.goto(`${baseUrl}/#register/asset/DEMO-BODYARMOUR-0012`);
  await desk.getByTestId("asset-actions").waitFor({ timeout: 10_000 });
  await desk.getByTestId("status-select").selectOption("lost");
  await desk.getByTestId("status-submit").click();
  await desk.getByTestId("office-toast").and(desk.locator(".error")).waitFor({ timeout: 5_000 });
  await desk.getByTestId("status-report").fill("Left behind at the old post, report no. E2E-1");
  await desk.getByTestId("status-submit").click();
  await desk.locator('[data-testid="register-asset"] .rg-head [data-status="lost"]').waitFor({ timeout: 10_000 });
  const lostHistory = (await desk.getByTestId("asset-history").textContent()) ?? "";
  if (!lostHistory.includes("status Lost: Left behind at the old post")) throw new Error(`no status entry: ${lostHistory}`);
  await desk.goto(`${baseUrl}/#register/asset/DEMO-BODYARMOUR-0011`);
  await desk.getByTestId("transfer-to").fill("DEMO-G003");
  await desk.getByTestId("transfer-submit").click();
  // the store's side is confirmed by the officer who asks; the guard's side is left
  await desk.getByTestId("confirm-to").click();
  await desk.locator('[data-testid="register-asset"] .rg-head [data-status="issued"]').waitFor({ timeout: 10_000 });
  const issued = (await desk.getByTestId("asset-custody").textContent()) ?? "";
  if (!issued.includes("DEMO-G003")) throw new Error(`custody did not move: ${issued}`);
  note("status change and transfer done");

  // the officer's forms: deploy, a correction entry, a delivery document
  await desk.goto(`${baseUrl}/#register/asset/DEMO-HELMET-0005`);
  await desk.getByTestId("asset-actions").waitFor({ timeout: 10_000 });
  const helmetStatus = await desk.locator('[data-testid="register-asset"] .rg-head [data-status]').getAttribute("data-status");
  if (helmetStatus === "in_store" || helmetStatus === "deployed") {
    await desk.getByTestId("deploy-details").locator("summary").click();
    await desk.getByTestId("deploy-outpost").fill("Outpost E2E");
    await desk.getByTestId("deploy-position").fill("Gate 2");
    await desk.getByTestId("deploy-submit").click();
    await desk.locator('[data-testid="register-asset"] .rg-head [data-status="deployed"]').waitFor({ timeout: 10_000 });
    const deployed = (await desk.getByTestId("asset-custody").textContent()) ?? "";
    if (!deployed.includes("Outpost E2E") || !deployed.includes("Gate 2")) throw new Error(`the deployment is not shown: ${deployed}`);
    note("deployed");
  } else {
    throw new Error(`DEMO-HELMET-0005 is ${helmetStatus}; the walk-through deploys a helmet in store`);
  }
  await desk.getByTestId("correct-details").locator("summary").click();
  await desk.getByTestId("correct-lot").fill("LOT-E2E-7");
  await desk.getByTestId("correct-reason").fill("Lot misread on the delivery note");
  await desk.getByTestId("correct-submit").click();
  await desk.waitForFunction(() => (document.querySelector('[data-testid="asset-history"]')?.textContent ?? "").includes("Lot misread"), undefined, { timeout: 10_000 });
  const pdf = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
  await desk.getByTestId("document-file").setInputFiles({ name: "delivery-note-E2E.pdf", mimeType: "application/pdf", buffer: pdf });
  await desk.getByTestId("document-submit").click();
  await desk.getByTestId("document-list").getByText("delivery-note-E2E.pdf").waitFor({ timeout: 10_000 });
  refusalsExpected += 1;
  await desk.getByTestId("document-file").setInputFiles({ name: "invoice.pdf", mimeType: "application/pdf", buffer: Buffer.from("<html><script>alert(1)</script></html>") });
  await desk.getByTestId("document-submit").click();
  await desk.getByTestId("office-toast").and(desk.locator(".error")).waitFor({ timeout: 5_000 });
  const refusedDoc = (await desk.getByTestId("office-toast").textContent()) ?? "";
  if (!refusedDoc.includes("markup")) throw new Error(`a disguised HTML file was not refused clearly: ${refusedDoc}`);
  await desk.getByTestId("asset-documents").scrollIntoViewIfNeeded();
  await shot(desk, "register-asset-forms");
  note("correction and document done");

  // an import with row errors changes nothing; a good one lands; a bulk transfer of it
  await desk.goto(`${baseUrl}/#register`);
  await desk.getByTestId("register-tools").locator("summary").click();
  const year = new Date().getUTCFullYear();
  const header = "project,category,serial,model,vendor,unit_cost,currency,delivered_on";
  const bad = [header, `DEMO-VOLYN-2026,helmet,E2E-H-1,H1,V,120.00,EUR,${year}-01-01`, `DEMO-VOLYN-2026,toaster,E2E-H-2,H1,V,120.00,EUR,${year}-01-01`, `DEMO-VOLYN-2026,helmet,E2E-H-3,H1,V,-5,EUR,${year}-01-01`].join("\n");
  refusalsExpected += 1;
  await desk.getByTestId("import-file").setInputFiles({ name: "helmets-bad.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
  await desk.getByTestId("import-submit").click();
  await desk.getByTestId("import-errors").waitFor({ timeout: 10_000 });
  const errorRows = await desk.locator('[data-testid="import-errors"] tbody tr').count();
  const errorText = (await desk.getByTestId("import-errors").textContent()) ?? "";
  if (errorRows !== 2 || !errorText.includes("helmets-bad.csv:3") || !errorText.includes("helmets-bad.csv:4")) throw new Error(`row errors not shown: ${errorRows} ${errorText}`);
  await shot(desk, "register-import-errors");
  const good = [header, `DEMO-VOLYN-2026,helmet,E2E-H-1,H1,V,120.00,EUR,${year}-01-01`, `DEMO-VOLYN-2026,helmet,E2E-H-2,H1,V,120.00,EUR,${year}-01-01`].join("\n");
  await desk.getByTestId("import-file").setInputFiles({ name: "helmets.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
  await desk.getByTestId("import-submit").click();
  await desk.getByTestId("import-outcome").getByText("2 assets imported").waitFor({ timeout: 10_000 });
  await desk.getByTestId("bulk-serials").fill("E2E-H-1\nE2E-H-2");
  await desk.getByTestId("bulk-to").fill("DEMO-G002");
  await desk.getByTestId("bulk-submit").click();
  await desk.getByTestId("office-toast").getByText("2 transfers to DEMO-G002 requested").waitFor({ timeout: 10_000 });
  note("import and bulk transfer done");
  await desk.goto(`${baseUrl}/#register/asset/${SERIAL}`);
  await desk.getByTestId("asset-history").waitFor({ timeout: 10_000 });

  // -- the same officer in the field, on a phone --------------------------------------------
  const phone = await open("phone", {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
    hasTouch: true,
    geolocation: FIX,
    permissions: ["geolocation"],
  });
  await login(phone, logistics);
  await phone.getByTestId("office-shell").waitFor({ timeout: 15_000 });
  await phone.goto(`${baseUrl}/#register/asset/${SERIAL}`);
  await phone.getByTestId("asset-check").click();
  await phone.getByTestId("register-check").waitFor({ timeout: 10_000 });
  if ((await phone.getByTestId("check-serial").inputValue()) !== SERIAL) throw new Error("the check form lost the serial");
  await phone.locator('[data-testid="check-gps"][data-state="ok"]').waitFor({ timeout: 10_000 });
  note(`gps: ${await phone.getByTestId("check-gps").textContent()}`);
  await phone.getByTestId("check-photo").setInputFiles({ name: "label.png", mimeType: "image/png", buffer: testPng(2400, 1800) });
  await phone.locator('[data-testid="check-photo-info"][data-state="ok"]').waitFor({ timeout: 15_000 });
  const info = (await phone.getByTestId("check-photo-info").textContent()) ?? "";
  note(`photo: ${info}`);
  if (!info.startsWith("1600×1200 JPEG")) throw new Error(`the photo was not downscaled to 1600 px: ${info}`);
  await phone.getByTestId("check-note").fill("Seen on the tower, label intact, camera working.");
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  if (width > 390) throw new Error(`the check page is ${width} px wide on a 390 px phone`);
  await phone.getByTestId("check-note").blur();
  await shot(phone, "register-check-phone");
  await phone.getByTestId("check-submit").click();
  await phone.getByTestId("check-item").first().waitFor({ timeout: 15_000 });
  note("check recorded");

  // -- back at the desk: the check is on the asset page ---------------------------------
  await desk.reload();
  await desk.getByTestId("check-item").first().waitFor({ timeout: 15_000 });
  const checkText = (await desk.getByTestId("asset-checks").textContent()) ?? "";
  if (!checkText.includes("51.55120, 23.60210")) throw new Error(`the check's position is not shown: ${checkText}`);
  const history = (await desk.getByTestId("asset-history").textContent()) ?? "";
  if (!history.includes("end-use check at 51.55120, 23.60210")) throw new Error(`no check in the history: ${history}`);
  await desk.locator('[data-testid="check-item"] img').first().evaluate((img) =>
    img.complete && img.naturalWidth > 0 ? null : new Promise((resolve) => img.addEventListener("load", resolve)),
  );
  await desk.waitForFunction(() => {
    const card = document.querySelector('[data-testid="asset-uptime"]');
    return card !== null && !card.textContent.includes("Loading");
  }, undefined, { timeout: 15_000 });
  const uptime = (await desk.getByTestId("asset-uptime").textContent()) ?? "";
  if (!uptime.includes("Device cam-1")) throw new Error(`no uptime of the linked camera: ${uptime}`);
  await shot(desk, "register-asset");

  // -- a commander makes a sector report -------------------------------------------------
  const office = await open("commander", { viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  await login(office, commander);
  await office.getByTestId("console").waitFor({ timeout: 15_000 });
  await office.getByTestId("view-reports").click();
  await office.getByTestId("reports").waitFor({ timeout: 10_000 });
  await office.locator('[data-testid="report-sector"] option[value="s1-tripoint"]').waitFor({ state: "attached", timeout: 10_000 });
  await office.getByTestId("report-kind").selectOption("sector");
  await office.getByTestId("report-sector").selectOption("s1-tripoint");
  await office.getByTestId("report-format").selectOption("pdf");
  await office.getByTestId("report-submit").click();
  const download = office.getByTestId("report-download").first();
  await download.waitFor({ timeout: 120_000 });
  const href = await download.getAttribute("href");
  const answer = await office.request.get(new URL(href, baseUrl).toString());
  const body = await answer.body();
  if (answer.status() !== 200 || body.subarray(0, 4).toString("latin1") !== "%PDF") {
    throw new Error(`the report download is not a PDF: ${answer.status()} ${body.subarray(0, 16).toString("latin1")}`);
  }
  note(`report PDF ${body.length} bytes`);
  const [saved] = await Promise.all([office.waitForEvent("download"), download.click()]);
  note(`download suggested as ${saved.suggestedFilename()}`);
  // a funding-project report as HTML: it opens in a new tab
  await office.getByTestId("report-kind").selectOption("project");
  await office.locator('[data-testid="report-project"] option[value="DEMO-VOLYN-2026"]').waitFor({ state: "attached", timeout: 10_000 });
  await office.getByTestId("report-format").selectOption("html");
  await office.getByTestId("report-submit").click();
  const openLink = office.getByTestId("report-open").first();
  await openLink.waitFor({ timeout: 120_000 });
  if ((await openLink.getAttribute("target")) !== "_blank") throw new Error("an HTML report does not open in a new tab");
  const [tab] = await Promise.all([office.context().waitForEvent("page"), openLink.click()]);
  await tab.waitForURL(/^blob:/, { timeout: 30_000 });
  await tab.waitForLoadState("load");
  const tabText = (await tab.textContent("body")) ?? "";
  if (!tabText.includes("DEMO-VOLYN-2026") || !tabText.includes("DEMO DATA")) throw new Error("the HTML report tab is not the project report");
  note(`HTML report opened in a new tab: ${await tab.title()}`);
  await tab.close();
  await office.getByTestId("report-kind").selectOption("sector");
  await shot(office, "reports");
  if (problems.length > 0) throw new Error(`browser problems:\n${problems.join("\n")}`);
  if (refusalsExpected !== 0) throw new Error(`${refusalsExpected} deliberate bad request(s) were not refused`);
  await finish(0);
} catch (error) {
  await finish(1, `register walk-through failed: ${error instanceof Error ? error.stack : String(error)}`);
}
