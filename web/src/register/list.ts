// The register list: search, filters (category, status, project, sector), keyset pages.
import { h } from "../dom";
import type { RegisterApi } from "./client";
import { CATEGORIES, STATUSES, type Asset, type Project } from "./types";
import { label, pageText, shortTime, whereText } from "./text";
import { errorText, field, labelled, select, statusBadge } from "./ui";

const PAGE_SIZE = 50;

export interface ListLinks {
  asset: (serial: string) => void;
  filters: (filters: Record<string, string>) => void;
  check: () => void;
}

export class RegisterList {
  readonly element = h("section", { class: "rg-page rg-list", "data-testid": "register-list" });
  private readonly search = h("input", {
    type: "search",
    placeholder: "Serial, model, vendor or lot",
    "data-testid": "register-search",
    enterkeyhint: "search",
  });
  private readonly category = select({ "data-testid": "register-category" }, labelled(CATEGORIES, "Any category"));
  private readonly status = select({ "data-testid": "register-status" }, labelled(STATUSES, "Any status"));
  private readonly project = select({ "data-testid": "register-project" }, [["", "Any project"]]);
  private readonly sector = h("input", { list: "rg-sectors", placeholder: "Any sector", "data-testid": "register-sector" });
  private readonly sectorList = h("datalist", { id: "rg-sectors" });
  private readonly rows = h("tbody");
  private readonly counter = h("span", { class: "rg-count", "data-testid": "register-count" });
  private readonly prev = h("button", { type: "button" }, "‹ Previous");
  private readonly next = h("button", { type: "button", "data-testid": "register-next" }, "Next ›");
  private readonly labels = h("a", { class: "rg-button", target: "_blank", rel: "noopener", "data-testid": "register-labels" }, "QR labels");
  private readonly exportLink = h("a", { class: "rg-button", download: "register.csv" }, "Export CSV");
  private readonly message = h("p", { class: "rg-message", role: "status" });
  /** Cursors of the pages before the current one (keyset paging only goes forward). */
  private readonly cursors: (string | undefined)[] = [];
  private cursor: string | undefined;
  private nextCursor: string | null = null;
  private loading = 0;
  private projects: Project[] = [];

  constructor(
    private readonly api: RegisterApi,
    private readonly links: ListLinks,
    canCheck: boolean,
    tools: HTMLElement | null = null,
  ) {
    const form = h(
      "form",
      { class: "rg-filters", role: "search" },
      field("Search", this.search),
      field("Category", this.category),
      field("Status", this.status),
      field("Project", this.project),
      field("Sector", this.sector),
      h("button", { type: "submit", class: "rg-primary", "data-testid": "register-apply" }, "Search"),
      this.sectorList,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.links.filters(this.filters());
    });
    for (const control of [this.category, this.status, this.project]) {
      control.addEventListener("change", () => this.links.filters(this.filters()));
    }
    this.prev.addEventListener("click", () => {
      if (this.cursors.length === 0) return;
      this.cursor = this.cursors.pop();
      void this.load();
    });
    this.next.addEventListener("click", () => {
      if (this.nextCursor === null) return;
      this.cursors.push(this.cursor);
      this.cursor = this.nextCursor;
      void this.load();
    });
    const checkButton = canCheck
      ? h("button", { type: "button", class: "rg-primary", "data-testid": "register-new-check" }, "End-use check")
      : null;
    checkButton?.addEventListener("click", () => this.links.check());
    this.element.append(
      h("div", { class: "rg-head" }, h("h2", {}, "Equipment register"), h("span", { class: "spacer" }), checkButton, this.labels, this.exportLink),
      form,
      ...(tools ? [tools] : []),
      this.message,
      h(
        "div",
        { class: "rg-table-wrap" },
        h(
          "table",
          { class: "rg-table", "data-testid": "register-table" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ...["Serial", "Category", "Model", "Status", "Where", "Project", "Last check"].map((t) => h("th", {}, t)),
            ),
          ),
          this.rows,
        ),
      ),
      h("div", { class: "rg-pager" }, this.prev, this.counter, this.next),
    );
  }

  async mount(): Promise<void> {
    try {
      this.projects = await this.api.projects();
    } catch (error) {
      this.message.textContent = `Projects unavailable: ${errorText(error)}`;
    }
    const chosen = this.project.value;
    this.project.replaceChildren(h("option", { value: "" }, "Any project"));
    for (const p of this.projects) {
      this.project.append(h("option", { value: p.id }, `${p.id}${p.demo ? " (demo)" : ""}`));
    }
    this.project.value = chosen;
    this.updateLinks();
  }

  /** Shows the listing for these filters (from the URL), from the first page. */
  show(filters: Record<string, string>): void {
    this.search.value = filters.q ?? "";
    this.category.value = filters.category ?? "";
    this.status.value = filters.status ?? "";
    this.project.value = filters.project ?? "";
    this.sector.value = filters.sector ?? "";
    this.cursors.length = 0;
    this.cursor = undefined;
    this.updateLinks();
    void this.load();
  }

  private filters(): Record<string, string> {
    const filters: Record<string, string> = {};
    const pairs: [string, string][] = [
      ["q", this.search.value.trim()],
      ["category", this.category.value],
      ["status", this.status.value],
      ["project", this.project.value],
      ["sector", this.sector.value.trim()],
    ];
    for (const [key, value] of pairs) if (value) filters[key] = value;
    return filters;
  }

  private updateLinks(): void {
    this.labels.href = this.api.labelsUrl(this.project.value);
    this.exportLink.href = this.api.exportUrl(this.project.value);
  }

  /** The current page again (after an import or a transfer). */
  reload(): void {
    void this.load();
  }

  private async load(): Promise<void> {
    const ticket = ++this.loading;
    const f = this.filters();
    this.message.textContent = "Loading…";
    this.element.dataset.loading = "true";
    try {
      const page = await this.api.assets({ ...f, limit: PAGE_SIZE, ...(this.cursor ? { after: this.cursor } : {}) });
      if (ticket !== this.loading) return;
      this.nextCursor = page.next_after;
      this.render(page.items);
      const first = this.cursors.length * PAGE_SIZE + 1;
      this.counter.textContent = pageText(first, page.items.length, page.total, page.total_capped);
      this.prev.disabled = this.cursors.length === 0;
      this.next.disabled = page.next_after === null;
      this.message.textContent = page.items.length === 0 ? "No equipment matches." : "";
    } catch (error) {
      if (ticket !== this.loading) return;
      this.message.textContent = `Cannot load the register: ${errorText(error)}`;
    } finally {
      if (ticket === this.loading) delete this.element.dataset.loading;
    }
  }

  private render(items: Asset[]): void {
    const sectors = new Set<string>([...this.sectorList.options].map((o) => o.value));
    this.rows.replaceChildren(
      ...items.map((asset) => {
        const sector = asset.deployment?.sector_id;
        if (sector && !sectors.has(sector)) {
          sectors.add(sector);
          this.sectorList.append(h("option", { value: sector }));
        }
        const link = h("a", { href: `#register/asset/${encodeURIComponent(asset.serial)}`, class: "rg-serial" }, asset.serial);
        const row = h(
          "tr",
          { "data-serial": asset.serial },
          h("td", { "data-label": "Serial" }, link),
          h("td", { "data-label": "Category" }, label(asset.category)),
          h("td", { "data-label": "Model" }, asset.model),
          h("td", { "data-label": "Status" }, statusBadge(asset.status)),
          h("td", { "data-label": "Where" }, whereText(asset)),
          h("td", { "data-label": "Project" }, asset.project_id),
          h("td", { "data-label": "Last check" }, asset.last_check_at ? shortTime(asset.last_check_at) : "never"),
        );
        row.addEventListener("click", (event) => {
          if (event.target instanceof HTMLAnchorElement) return;
          this.links.asset(asset.serial);
        });
        return row;
      }),
    );
  }
}
