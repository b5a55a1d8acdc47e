// The incident queue: filters, a dense list, keyboard navigation and the action keys.
import { clear, h } from "./dom";
import { FLASH_MS } from "./alerts";
import { STATUS_LABELS, age, crossingsText, km, priorityColour } from "./format";
import type { Store } from "./store";
import type { IncidentStatus } from "./types";

const STATUS_CHOICES: { value: "active" | IncidentStatus | "all"; label: string }[] = [
  { value: "active", label: "Active" },
  { value: "open", label: "Open" },
  { value: "acknowledged", label: "Acknowledged" },
  { value: "dispatched", label: "Dispatched" },
  { value: "resolved", label: "Resolved" },
  { value: "closed", label: "Closed" },
  { value: "all", label: "All" },
];

export class IncidentQueue {
  private readonly list = h("ol", { class: "queue-list", "data-testid": "incident-queue", tabindex: 0 });
  private readonly count = h("span", { class: "queue-count" });
  private readonly sectorSelect = h("select", { "data-testid": "filter-sector", title: "Sector" });

  constructor(
    private readonly root: HTMLElement,
    private readonly store: Store,
    private readonly onOpen: (id: string) => void,
    /** The footer's key hints (only keys of what this server serves: Features.keyHints). */
    private readonly keyHints: string,
  ) {}

  mount(): void {
    const statusSelect = h("select", { "data-testid": "filter-status", title: "Status" });
    for (const choice of STATUS_CHOICES) statusSelect.append(h("option", { value: choice.value }, choice.label));
    statusSelect.value = this.store.filters.status;
    statusSelect.addEventListener("change", () => {
      this.store.setFilters({ status: statusSelect.value as (typeof STATUS_CHOICES)[number]["value"] });
    });
    const prioritySelect = h(
      "select",
      { "data-testid": "filter-priority", title: "Priority" },
      h("option", { value: "0" }, "P any"),
      ...[1, 2, 3, 4].map((p) => h("option", { value: String(p) }, `P1–${p}`)),
    );
    prioritySelect.addEventListener("change", () => this.store.setFilters({ priority: Number(prioritySelect.value) }));
    this.sectorSelect.addEventListener("change", () => this.store.setFilters({ sector: this.sectorSelect.value }));
    this.root.append(
      h("header", { class: "panel-head" }, h("h2", {}, "Incidents "), this.count),
      h("div", { class: "queue-filters" }, this.sectorSelect, statusSelect, prioritySelect),
      this.list,
      h("footer", { class: "keys", "data-testid": "queue-keys" }, this.keyHints),
    );
    this.store.on("incidents", () => this.render());
    this.store.on("filters", () => this.render());
    this.store.on("selection", () => this.render());
    this.store.on("alerts", () => this.render());
    this.store.on("cameras", () => this.renderSectors());
    window.setInterval(() => this.render(), 5000); // ages
    this.render();
  }

  /** Sector choices: the user's sectors, else every sector seen on cameras or incidents. */
  private renderSectors(): void {
    const sectors = new Set<string>(this.store.user?.sectors ?? []);
    if (sectors.size === 0) {
      for (const camera of this.store.cameras.values()) sectors.add(camera.sector_id);
      for (const incident of this.store.incidents.values()) if (incident.sector_id) sectors.add(incident.sector_id);
    }
    const current = this.store.filters.sector;
    clear(this.sectorSelect);
    this.sectorSelect.append(h("option", { value: "" }, "All sectors"));
    for (const sector of [...sectors].sort()) this.sectorSelect.append(h("option", { value: sector }, sector));
    this.sectorSelect.value = current;
  }

  render(): void {
    const items = this.store.queue();
    this.count.textContent = String(items.length);
    clear(this.list);
    const now = Date.now();
    for (const incident of items) {
      const selected = incident.id === this.store.selectedId;
      const alertedAt = this.store.unseenAlerts.get(incident.id);
      const flashFor = alertedAt === undefined || !this.store.alertSettings.flash ? 0 : FLASH_MS - (now - alertedAt);
      const classes = [
        "queue-row",
        `status-${incident.status}`,
        selected ? "selected" : "",
        incident.escalated ? "escalated" : "",
        alertedAt !== undefined ? "alerted" : "",
        flashFor > 0 ? "flash" : "",
      ];
      const crossings = crossingsText(incident.crossings);
      const row = h(
        "li",
        {
          class: classes.filter(Boolean).join(" "),
          "data-testid": "incident-row",
          "data-id": incident.id,
          "data-status": incident.status,
          "data-alerted": alertedAt !== undefined,
          // A re-render keeps a running flash where it was (a negative delay skips ahead).
          style: flashFor > 0 ? `animation-delay:-${FLASH_MS - flashFor}ms` : undefined,
        },
        h("span", { class: "prio", style: `background:${priorityColour(incident.priority)}` }, `P${incident.priority}`),
        h("span", { class: "title", title: incident.title }, incident.title),
        h("span", { class: "status" }, STATUS_LABELS[incident.status]),
        h(
          "span",
          { class: "meta" },
          `${incident.sector_id ?? "—"} · ${km(incident.km_post)}`,
          crossings ? h("span", { class: "crossings", "data-testid": "crossings" }, ` · ${crossings}`) : null,
        ),
        h("span", { class: "age", title: "since the last alert" }, age(incident.last_alert_at, now)),
      );
      // One click opens: selects, shows the detail and pans the map to the incident.
      row.addEventListener("click", () => this.onOpen(incident.id));
      this.list.append(row);
      if (selected) row.scrollIntoView({ block: "nearest" });
    }
    if (items.length === 0) this.list.append(h("li", { class: "empty" }, "No incidents match the filters."));
    this.renderSectors();
  }

  /** Moves the selection by `delta` rows (j = +1, k = -1). */
  move(delta: number): void {
    const items = this.store.queue();
    if (items.length === 0) return;
    const index = items.findIndex((i) => i.id === this.store.selectedId);
    const next = index < 0 ? 0 : Math.min(items.length - 1, Math.max(0, index + delta));
    const target = items[next];
    if (target) this.store.select(target.id);
  }
}
