// False-alarm statistics per camera and rule (GET /api/stats/false-alarms): how operators
// resolved the incidents each source and rule raised, worst false-alarm rate first.
import type { ApiClient } from "./api";
import { clear, h } from "./dom";

/** One row of GET /api/stats/false-alarms (docs/api.md). */
export type { FalseAlarmStats } from "./types";
import type { FalseAlarmStats } from "./types";

const REFRESH_MS = 60_000;

/** Worst first: highest false-alarm rate, unjudged pairs last, then most resolved, then ids. */
export function sortStats(rows: readonly FalseAlarmStats[]): FalseAlarmStats[] {
  return [...rows].sort(
    (a, b) =>
      (b.false_alarm_rate ?? -1) - (a.false_alarm_rate ?? -1) ||
      b.resolved - a.resolved ||
      a.source_id.localeCompare(b.source_id) ||
      a.rule_id.localeCompare(b.rule_id),
  );
}

/** "67 %" or "—" before any true/false judgement. */
export function formatRate(rate: number | null): string {
  return rate === null ? "—" : `${Math.round(rate * 100)} %`;
}

export class StatsPanel {
  private readonly body = h("tbody");
  private readonly status = h("p", { class: "empty", "data-testid": "stats-status" });
  private timer: number | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly api: ApiClient,
  ) {}

  mount(): void {
    const refresh = h("button", { type: "button", class: "stats-refresh", "data-testid": "stats-refresh" }, "Refresh");
    refresh.addEventListener("click", () => void this.load());
    const table = h(
      "table",
      { class: "health stats", "data-testid": "stats-table" },
      h(
        "thead",
        {},
        h("tr", {}, ...["Camera", "Rule", "True", "False", "Dup.", "False rate"].map((t) => h("th", {}, t))),
      ),
      this.body,
    );
    this.root.append(
      h("section", { class: "stats-panel" }, h("h3", {}, "False alarms per camera and rule", refresh), table, this.status),
    );
    this.timer = window.setInterval(() => void this.load(), REFRESH_MS);
    void this.load();
  }

  unmount(): void {
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
  }

  private async load(): Promise<void> {
    try {
      const response = await fetch(this.api.url("/api/stats/false-alarms"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        this.show([], `Statistics unavailable (${response.status}).`);
        return;
      }
      this.show((await response.json()) as FalseAlarmStats[], "");
    } catch {
      this.show([], "Statistics unavailable (no connection).");
    }
  }

  private show(rows: FalseAlarmStats[], error: string): void {
    clear(this.body);
    for (const row of sortStats(rows)) {
      const rate = row.false_alarm_rate;
      this.body.append(
        h(
          "tr",
          { "data-testid": "stats-row", "data-source": row.source_id, "data-rule": row.rule_id },
          h("td", { title: row.source_id }, row.source_name ?? row.source_id),
          h("td", {}, row.rule_id || "(device)"),
          h("td", { class: "num" }, String(row.true_alarms)),
          h("td", { class: "num" }, String(row.false_alarms)),
          h("td", { class: "num" }, String(row.duplicates)),
          h(
            "td",
            { class: "num" },
            h("span", {
              class: "stats-bar",
              style: `width:${rate === null ? 0 : Math.round(rate * 40)}px`,
            }),
            formatRate(rate),
          ),
        ),
      );
    }
    this.status.textContent = error || (rows.length === 0 ? "No resolved incidents yet." : "");
    this.status.hidden = this.status.textContent === "";
  }
}
