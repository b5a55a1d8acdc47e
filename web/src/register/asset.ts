// One asset: details, custody and deployment, device uptime, end-use checks, the append-only
// history (corrections shown against the entries they correct), and the forms the role allows.
import { h } from "../dom";
import type { RegisterApi } from "./client";
import { SETTABLE_STATUSES, type AssetDetail, type SettableStatus, type Transfer } from "./types";
import { durationText, historyText, label, shortTime, whereText } from "./text";
import { errorText, facts, field, labelled, select, statusBadge, type Toast } from "./ui";
import { correctionForm, deployForm, DocumentsCard } from "./forms";

export interface AssetRights {
  edit: boolean;
  check: boolean;
}

export interface AssetLinks {
  back: () => void;
  check: (serial: string) => void;
}

export class AssetPage {
  readonly element = h("section", { class: "rg-page rg-asset", "data-testid": "register-asset" });
  private serial = "";
  private loading = 0;

  constructor(
    private readonly api: RegisterApi,
    private readonly rights: AssetRights,
    private readonly links: AssetLinks,
    private readonly toast: Toast,
  ) {}

  show(serial: string): void {
    this.serial = serial;
    void this.load();
  }

  private async load(): Promise<void> {
    const ticket = ++this.loading;
    this.element.replaceChildren(this.head(this.serial), h("p", { class: "rg-message" }, "Loading…"));
    try {
      const detail = await this.api.asset(this.serial);
      if (ticket === this.loading) this.render(detail);
    } catch (error) {
      if (ticket !== this.loading) return;
      this.element.replaceChildren(
        this.head(this.serial),
        h("p", { class: "rg-message rg-error", role: "alert" }, `Asset ${this.serial}: ${errorText(error)}`),
      );
    }
  }

  private head(serial: string, detail?: AssetDetail): HTMLElement {
    const back = h("button", { type: "button", class: "link", "data-testid": "asset-back" }, "‹ Register");
    back.addEventListener("click", () => this.links.back());
    const check = this.rights.check && detail ? h("button", { type: "button", class: "rg-primary", "data-testid": "asset-check" }, "End-use check") : null;
    check?.addEventListener("click", () => this.links.check(serial));
    return h(
      "div",
      { class: "rg-head" },
      back,
      h("h2", { "data-testid": "asset-serial" }, serial),
      detail ? statusBadge(detail.asset.status) : null,
      detail?.project.demo ? h("span", { class: "rg-demo", title: "Fictional demo data" }, "DEMO DATA") : null,
      h("span", { class: "spacer" }),
      check,
    );
  }

  private render(detail: AssetDetail): void {
    const { asset, project } = detail;
    const d = asset.deployment;
    const overview = h(
      "div",
      { class: "rg-card" },
      h("h3", {}, "Equipment"),
      facts([
        ["Category", label(asset.category)],
        ["Model", asset.model],
        ["Vendor", asset.vendor],
        ["Lot", asset.lot],
        ["Warranty until", asset.warranty_until],
        ["Project", `${project.id} · ${project.name}`],
        ["Donor", project.donor],
        ["Unit cost", `${detail.unit_cost} ${project.currency}`],
        ["Version", String(asset.version)],
      ]),
    );
    const custody = h(
      "div",
      { class: "rg-card", "data-testid": "asset-custody" },
      h("h3", {}, "Custody and deployment"),
      facts([
        ["Status", statusBadge(asset.status)],
        ["Holder", detail.holder ?? (asset.status === "in_store" ? "the store" : null)],
        ["Where", whereText(asset)],
        ["Outpost", d?.outpost ?? null],
        ["Sector", d?.sector_id ?? null],
        ["Position", d?.position ?? null],
        ["Linked device", d?.device_id ?? null],
        ["Status report", asset.status_report],
        ["Last check", asset.last_check_at ? shortTime(asset.last_check_at) : "never"],
      ]),
    );
    const uptime = d?.device_id ? h("div", { class: "rg-card", "data-testid": "asset-uptime" }, h("h3", {}, "Device health, last 7 days"), h("p", { class: "rg-message" }, "Loading…")) : null;
    if (uptime) void this.fillUptime(uptime);
    const parts = [
      this.head(asset.serial, detail),
      h("div", { class: "rg-grid" }, overview, custody, uptime, this.actions(detail), new DocumentsCard(this.api, asset.serial, this.rights.edit, this.toast).element),
      this.transfers(detail.transfers),
      this.checks(detail),
      this.history(detail),
    ];
    this.element.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  }

  private async fillUptime(card: HTMLElement): Promise<void> {
    try {
      const u = await this.api.uptime(this.serial);
      const known = u.up_s + u.down_s;
      const ratio = u.ratio === null ? "no reports" : `${(u.ratio * 100).toFixed(1)} % up`;
      card.replaceChildren(
        h("h3", {}, `Device ${u.device_id}, last 7 days`),
        h("p", {}, `${ratio} over ${durationText(known)} reported`),
        u.outages.length === 0
          ? h("p", { class: "rg-muted" }, "No outages.")
          : h("ul", { class: "rg-list-plain" }, ...u.outages.slice(0, 10).map((o) => h("li", {}, `${shortTime(o.start)} → ${shortTime(o.end)} ${o.state}${o.detail ? `: ${o.detail}` : ""}`))),
      );
    } catch (error) {
      card.replaceChildren(h("h3", {}, "Device health"), h("p", { class: "rg-muted" }, errorText(error)));
    }
  }

  private actions(detail: AssetDetail): HTMLElement | null {
    if (!this.rights.edit) return null;
    const { asset } = detail;
    const card = h("div", { class: "rg-card", "data-testid": "asset-actions" }, h("h3", {}, "Change"));
    if (asset.status !== "destroyed") card.append(this.statusForm(asset.serial, asset.status));
    if (asset.status !== "lost" && asset.status !== "destroyed") card.append(this.transferForm(asset.serial));
    const reload = (): void => void this.load();
    if (asset.status === "in_store" || asset.status === "deployed" || asset.status === "under_repair") {
      card.append(h("details", { "data-testid": "deploy-details" }, h("summary", {}, asset.status === "deployed" ? "Move the deployment" : "Deploy"), deployForm(this.api, detail, reload, this.toast)));
    }
    card.append(h("details", { "data-testid": "correct-details" }, h("summary", {}, "Correct the details"), correctionForm(this.api, detail, reload, this.toast)));
    return card;
  }

  private statusForm(serial: string, current: string): HTMLFormElement {
    const choices = SETTABLE_STATUSES.filter((s) => s !== current);
    const status = select({ name: "status", "data-testid": "status-select" }, labelled(choices));
    const report = h("textarea", { name: "report", rows: 2, maxlength: 4000, "data-testid": "status-report", placeholder: "What happened (required for lost and destroyed)" });
    const submit = h("button", { type: "submit", "data-testid": "status-submit" }, "Set status");
    const form = h("form", { class: "rg-form" }, field("New status", status), field("Report", report), submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = status.value as SettableStatus;
      const text = report.value.trim();
      if ((value === "lost" || value === "destroyed") && text === "") {
        this.toast(`${label(value)} needs a report`, true);
        report.focus();
        return;
      }
      if (value === "destroyed" && !window.confirm(`Mark ${serial} destroyed? This is final.`)) return;
      submit.disabled = true;
      this.api
        .setStatus(serial, value, text || null)
        .then(() => {
          this.toast(`${serial}: ${label(value)}`);
          void this.load();
        })
        .catch((error: unknown) => this.toast(errorText(error), true))
        .finally(() => {
          submit.disabled = false;
        });
    });
    return form;
  }

  private transferForm(serial: string): HTMLFormElement {
    const person = h("input", { name: "to_person", maxlength: 64, placeholder: "Person id, e.g. G-0001; empty: the store", "data-testid": "transfer-to" });
    const submit = h("button", { type: "submit", "data-testid": "transfer-submit" }, "Request transfer");
    const form = h("form", { class: "rg-form" }, field("Transfer custody to", person, "Custody moves when both sides confirm."), submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit.disabled = true;
      const to = person.value.trim() || null;
      this.api
        .transfer([serial], to)
        .then(() => {
          this.toast(`Transfer of ${serial} to ${to ?? "the store"} requested`);
          void this.load();
        })
        .catch((error: unknown) => this.toast(errorText(error), true))
        .finally(() => {
          submit.disabled = false;
        });
    });
    return form;
  }

  private transfers(list: Transfer[]): HTMLElement | null {
    if (list.length === 0) return null;
    const rows = list.map((t) => {
      const side = (party: "from" | "to"): HTMLElement => {
        const at = party === "from" ? t.from_confirmed_at : t.to_confirmed_at;
        const by = party === "from" ? t.from_confirmed_by : t.to_confirmed_by;
        if (at) return h("span", {}, `✓ ${by ?? ""} ${shortTime(at)}`);
        if (!this.rights.edit || t.state !== "pending") return h("span", { class: "rg-muted" }, "pending");
        const person = party === "from" ? t.from_person : t.to_person;
        const button = h("button", { type: "button", "data-testid": `confirm-${party}` }, `Confirm (${person ?? "store"})`);
        button.addEventListener("click", () => {
          button.disabled = true;
          this.api
            .confirm(t.id, party, person)
            .then(() => void this.load())
            .catch((error: unknown) => {
              button.disabled = false;
              this.toast(errorText(error), true);
            });
        });
        return button;
      };
      return h(
        "tr",
        {},
        h("td", { "data-label": "Requested" }, shortTime(t.time)),
        h("td", { "data-label": "From" }, t.from_person ?? "store"),
        h("td", { "data-label": "To" }, t.to_person ?? "store"),
        h("td", { "data-label": "Giving side" }, side("from")),
        h("td", { "data-label": "Receiving side" }, side("to")),
        h("td", { "data-label": "State" }, t.state),
      );
    });
    return h(
      "div",
      { class: "rg-card", "data-testid": "asset-transfers" },
      h("h3", {}, "Custody transfers"),
      h(
        "table",
        { class: "rg-table" },
        h("thead", {}, h("tr", {}, ...["Requested", "From", "To", "Giving side", "Receiving side", "State"].map((x) => h("th", {}, x)))),
        h("tbody", {}, ...rows),
      ),
    );
  }

  private checks(detail: AssetDetail): HTMLElement {
    const list = [...detail.checks].sort((a, b) => b.time.localeCompare(a.time));
    return h(
      "div",
      { class: "rg-card", "data-testid": "asset-checks" },
      h("h3", {}, `End-use checks (${list.length})`),
      list.length === 0
        ? h("p", { class: "rg-muted" }, `Never checked. The project asks for a check every ${detail.project.check_interval_days} days.`)
        : h(
            "ul",
            { class: "rg-checks" },
            ...list.map((c) =>
              h(
                "li",
                { "data-testid": "check-item" },
                h("a", { href: this.api.url(c.photo_url), target: "_blank", rel: "noopener" }, h("img", { src: this.api.url(c.photo_url), alt: `Photo of ${c.serial}`, loading: "lazy" })),
                h(
                  "div",
                  {},
                  h("strong", {}, shortTime(c.time)),
                  h("div", {}, `by ${c.checked_by}`),
                  h("div", { class: "rg-mono" }, `${c.lat.toFixed(5)}, ${c.lon.toFixed(5)}${c.accuracy_m !== null ? ` ±${Math.round(c.accuracy_m)} m` : ""}`),
                  c.note ? h("div", {}, c.note) : null,
                  h("div", { class: "rg-muted rg-mono", title: "SHA-256 of the photo" }, c.photo_sha256.slice(0, 16)),
                ),
              ),
            ),
          ),
    );
  }

  private history(detail: AssetDetail): HTMLElement {
    const correctedBy = new Map<number, number>();
    for (const entry of detail.history) if (entry.corrects !== null) correctedBy.set(entry.corrects, entry.id);
    const entries = [...detail.history].reverse(); // newest first
    return h(
      "div",
      { class: "rg-card", "data-testid": "asset-history" },
      h("h3", {}, "History (append-only; corrections are new entries)"),
      h(
        "ol",
        { class: "rg-history", reversed: true },
        ...entries.map((entry) => {
          const later = correctedBy.get(entry.id);
          return h(
            "li",
            { class: later !== undefined ? "rg-corrected" : "", "data-kind": entry.kind },
            h("span", { class: "rg-mono rg-muted" }, `#${entry.id} ${shortTime(entry.time)}`),
            " ",
            h("span", {}, historyText(entry)),
            " ",
            h("span", { class: "rg-muted" }, `— ${entry.actor}`),
            entry.recorded_at !== entry.time ? h("span", { class: "rg-muted" }, ` (entered ${shortTime(entry.recorded_at)})`) : null,
            later !== undefined ? h("span", { class: "rg-tag" }, `corrected by #${later}`) : null,
          );
        }),
      ),
    );
  }
}
