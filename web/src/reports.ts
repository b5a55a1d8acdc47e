// The report page: choose a sector or funding-project report, its period and format, make it
// on the node (POST /api/reports), and download it. The reports made in this browser session
// are listed (kept in sessionStorage); HTML reports open in a new tab.
import { h } from "./dom";
import { mayReportAllSectors, reportKinds, type Account } from "./register/access";
import type { RegisterApi } from "./register/client";
import { defaultPeriod, periodError, periodText } from "./register/period";
import type { Report, ReportBody, ReportFormat, ReportKind } from "./register/types";
import { errorText, field, select, type Toast } from "./register/ui";

const STORAGE_KEY = "kordon.reports.session";

function loadMade(): Report[] {
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "[]");
    return Array.isArray(parsed) ? (parsed as Report[]) : [];
  } catch {
    return [];
  }
}

/** Opens an HTML report in a new tab. The node sends reports as attachments (a plain link
 * would download it), so the tab shows the fetched page from a blob: URL, which keeps this
 * page's Content-Security-Policy (no scripts). The tab is opened at once, while the click
 * still counts as the user's, so no popup blocker stops it. */
function openHtmlReport(url: string, fail: (text: string) => void): void {
  const tab = window.open("about:blank", "_blank");
  if (!tab) {
    fail("The browser blocked the new tab; use Download");
    return;
  }
  fetch(url, { credentials: "same-origin" })
    .then(async (response) => {
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      const page = new Blob([await response.arrayBuffer()], { type: "text/html;charset=utf-8" });
      tab.location.href = URL.createObjectURL(page);
    })
    .catch((error: unknown) => {
      tab.close();
      fail(`Cannot open the report: ${errorText(error)}`);
    });
}

export class ReportsPage {
  readonly element = h("section", { class: "rg-page rg-reports", "data-testid": "reports" });
  private readonly kinds: ReportKind[];
  private readonly kind: HTMLSelectElement;
  private readonly sector = select({ "data-testid": "report-sector" }, []);
  private readonly project = select({ "data-testid": "report-project" }, []);
  private readonly sectorField: HTMLLabelElement;
  private readonly projectField: HTMLLabelElement;
  private readonly from = h("input", { type: "date", required: true, "data-testid": "report-from" });
  private readonly to = h("input", { type: "date", required: true, "data-testid": "report-to" });
  private readonly format = select({ "data-testid": "report-format" }, [["pdf", "PDF"], ["html", "HTML (opens in a new tab)"]]);
  private readonly submit = h("button", { type: "submit", class: "rg-primary", "data-testid": "report-submit" }, "Make report");
  private readonly message = h("p", { class: "rg-message", role: "status", "data-testid": "report-message" });
  private readonly list = h("tbody", { "data-testid": "report-list" });
  private readonly made: Report[] = loadMade();
  private mounted = false;

  constructor(
    private readonly api: RegisterApi,
    private readonly account: Account,
    private readonly toast: Toast,
  ) {
    this.kinds = reportKinds(account);
    this.kind = select(
      { "data-testid": "report-kind" },
      this.kinds.map((k) => [k, k === "sector" ? "Sector (crossings, incidents, response, uptime)" : "Funding project (equipment accountability)"] as [string, string]),
    );
    this.sectorField = field("Sector", this.sector);
    this.projectField = field("Funding project", this.project);
    const period = defaultPeriod(new Date());
    this.from.value = period.from;
    this.to.value = period.to;
    this.kind.addEventListener("change", () => this.showKind());
    const form = h(
      "form",
      { class: "rg-form rg-report-form" },
      field("Report", this.kind),
      this.sectorField,
      this.projectField,
      h("div", { class: "rg-row" }, field("From", this.from), field("To (included)", this.to)),
      field("Format", this.format),
      this.submit,
      this.message,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.make();
    });
    this.element.append(
      h("div", { class: "rg-head" }, h("h2", {}, "Reports")),
      h(
        "div",
        { class: "rg-grid rg-grid-reports" },
        h(
          "div",
          { class: "rg-card" },
          h("h3", {}, "Make a report"),
          this.kinds.length === 0 ? h("p", { class: "rg-muted" }, "Your role makes no reports.") : form,
          h("p", { class: "rg-muted" }, "Days are the site's local calendar days. Every report made is hashed into the evidence ledger."),
        ),
        h(
          "div",
          { class: "rg-card" },
          h("h3", {}, "Made in this session"),
          h(
            "table",
            { class: "rg-table rg-reports-table" },
            h("thead", {}, h("tr", {}, ...["Report", "Period", "Format", "Made", "SHA-256", ""].map((t) => h("th", {}, t)))),
            this.list,
          ),
        ),
      ),
    );
    this.showKind();
    this.renderList();
  }

  /** Loads the sector and project choices once, the first time the page is shown. */
  async mount(): Promise<void> {
    if (this.mounted) return;
    this.mounted = true;
    const loads: Promise<void>[] = [];
    if (this.kinds.includes("sector")) {
      loads.push(
        this.api.sectors().then((sectors) => {
          const allowed = this.account.sectors.length === 0 ? sectors : sectors.filter((s) => this.account.sectors.includes(s.id));
          const options: [string, string][] = allowed.map((s) => [s.id, `${s.name} (${s.id})`]);
          if (mayReportAllSectors(this.account)) options.unshift(["", "Every sector of the site"]);
          this.fill(this.sector, options);
        }),
      );
    }
    if (this.kinds.includes("project")) {
      loads.push(this.api.projects().then((projects) => this.fill(this.project, projects.map((p) => [p.id, `${p.id}${p.demo ? " (demo)" : ""} · ${p.name}`]))));
    }
    const results = await Promise.allSettled(loads);
    for (const result of results) {
      if (result.status === "rejected") this.message.textContent = `Choices unavailable: ${errorText(result.reason)}`;
    }
  }

  private fill(element: HTMLSelectElement, options: [string, string][]): void {
    element.replaceChildren(...options.map(([value, text]) => h("option", { value }, text)));
  }

  private showKind(): void {
    const kind = this.kind.value as ReportKind;
    this.sectorField.hidden = kind !== "sector";
    this.projectField.hidden = kind !== "project";
  }

  private async make(): Promise<void> {
    const kind = this.kind.value as ReportKind;
    const problem = periodError(this.from.value, this.to.value);
    if (problem) {
      this.message.textContent = problem;
      this.message.className = "rg-message rg-error";
      return;
    }
    const body: ReportBody = { kind, from: this.from.value, to: this.to.value, format: this.format.value as ReportFormat };
    if (kind === "sector" && this.sector.value) body.sector_id = this.sector.value;
    if (kind === "project") {
      if (!this.project.value) {
        this.message.textContent = "Choose a funding project.";
        this.message.className = "rg-message rg-error";
        return;
      }
      body.project_id = this.project.value;
    }
    this.submit.disabled = true;
    this.message.textContent = "Making the report… (a month of data takes a few seconds)";
    this.message.className = "rg-message";
    try {
      const report = await this.api.makeReport(body);
      this.made.unshift(report);
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.made.slice(0, 50)));
      this.renderList();
      this.message.textContent = `Made: ${report.title}`;
      this.message.className = "rg-message rg-ok";
      this.toast("Report made");
    } catch (error) {
      this.message.textContent = `Not made: ${errorText(error)}`;
      this.message.className = "rg-message rg-error";
    } finally {
      this.submit.disabled = false;
    }
  }

  private renderList(): void {
    if (this.made.length === 0) {
      this.list.replaceChildren(h("tr", {}, h("td", { colspan: 6, class: "rg-muted" }, "No report made yet.")));
      return;
    }
    this.list.replaceChildren(
      ...this.made.map((r) => {
        const url = this.api.url(r.url);
        const download = h("a", { href: url, download: "", class: "rg-button", "data-testid": "report-download" }, "Download");
        let open: HTMLAnchorElement | null = null;
        if (r.format === "html") {
          open = h("a", { href: url, target: "_blank", class: "rg-button", "data-testid": "report-open" }, "Open");
          open.addEventListener("click", (event) => {
            event.preventDefault();
            openHtmlReport(url, (text) => this.toast(text, true));
          });
        }
        return h(
          "tr",
          { "data-report": r.id },
          h("td", { "data-label": "Report" }, r.title),
          h("td", { "data-label": "Period" }, periodText(r.first_day, r.last_day)),
          h("td", { "data-label": "Format" }, r.format.toUpperCase()),
          h("td", { "data-label": "Made" }, `${r.generated_at.slice(0, 16).replace("T", " ")} UTC`),
          h("td", { "data-label": "SHA-256", class: "rg-mono", title: r.sha256 }, r.sha256.slice(0, 12)),
          h("td", { class: "rg-links" }, open, download),
        );
      }),
    );
  }
}
