// Patrol units: the register's client, the dispatch choices of an incident, and a small
// units panel (callsign, sector, status, incident; field status for those who may set it).
//
// Imports types only, so node's test runner loads it alone (web/tests/units.test.mjs).
// The unit types are aliases of the API's UnitPublic / SuggestionPublic (docs/units.md).
import type { ApiClient } from "./api";
import type { components } from "./api/openapi.gen";
import type { Incident } from "./types";

type Rest = components["schemas"];
export type UnitStatus = Rest["UnitStatus"];
export type UnitPosition = Rest["PositionPublic"];
export type Unit = Rest["UnitPublic"];
export type UnitSuggestion = Rest["SuggestionPublic"];

export const UNIT_STATUS_LABELS: Record<UnitStatus, string> = {
  available: "Available",
  dispatched: "Dispatched",
  on_scene: "On scene",
  returning: "Returning",
  off_duty: "Off duty",
  out_of_service: "Out of service",
};

/** Statuses an operator sets from the field; "dispatched" only comes from dispatching. */
export const FIELD_STATUSES: readonly UnitStatus[] = ["available", "on_scene", "returning", "off_duty", "out_of_service"];

/** "850 m", "1.2 km", "14 km"; "" without a distance. */
export function distanceText(metres: number | null): string {
  if (metres === null || !Number.isFinite(metres)) return "";
  if (metres < 1000) return `${Math.round(metres)} m`;
  if (metres < 10_000) return `${(metres / 1000).toFixed(1)} km`;
  return `${Math.round(metres / 1000)} km`;
}

export type ChoiceGroup = "sector" | "other" | "busy";

export interface DispatchChoice {
  unitId: string;
  callsign: string;
  label: string;
  group: ChoiceGroup;
  /** Taking this unit needs force (it is not available). */
  needsForce: boolean;
  /** Cannot be dispatched at all (out of service). */
  disabled: boolean;
}

/** The dispatch select's options: available units of the incident's sector first (nearest
 * first, as the API suggests them), then available units of other sectors, then the busy
 * ones (force), out-of-service units last and disabled. */
export function dispatchChoices(
  incident: Pick<Incident, "sector_id">,
  suggestions: readonly UnitSuggestion[],
  units: readonly Unit[],
): DispatchChoice[] {
  const choices: DispatchChoice[] = [];
  const seen = new Set<string>();
  for (const s of suggestions) {
    if (s.unit.status !== "available" || seen.has(s.unit.id)) continue;
    seen.add(s.unit.id);
    const inSector = s.same_sector || (incident.sector_id !== null && s.unit.sector_id === incident.sector_id);
    const distance = distanceText(s.distance_m);
    const where = inSector ? "" : ` · ${s.unit.sector_id}`;
    choices.push({
      unitId: s.unit.id,
      callsign: s.unit.callsign,
      label: `${s.unit.callsign} · ${s.unit.name}${where}${distance ? ` · ${distance}` : ""}`,
      group: inSector ? "sector" : "other",
      needsForce: false,
      disabled: false,
    });
  }
  // Stable: same-sector choices stay ahead even if a caller hands suggestions unordered.
  choices.sort((a, b) => Number(a.group !== "sector") - Number(b.group !== "sector"));
  const busy = units
    .filter((u) => !seen.has(u.id) && u.status !== "available")
    .sort(
      (a, b) =>
        Number(a.status === "out_of_service") - Number(b.status === "out_of_service") ||
        Number(a.sector_id !== incident.sector_id) - Number(b.sector_id !== incident.sector_id) ||
        a.callsign.localeCompare(b.callsign),
    );
  for (const u of busy) {
    const on = u.incident_id ? ` (${u.incident_id})` : "";
    choices.push({
      unitId: u.id,
      callsign: u.callsign,
      label: `${u.callsign} · ${UNIT_STATUS_LABELS[u.status].toLowerCase()}${on} · ${u.sector_id}`,
      group: "busy",
      needsForce: true,
      disabled: u.status === "out_of_service",
    });
  }
  return choices;
}

/** One line of the units panel. */
export function unitLine(unit: Unit): string {
  const on = unit.incident_id ? ` · ${unit.incident_id}` : "";
  return `${unit.callsign} · ${unit.name} · ${unit.sector_id} · ${UNIT_STATUS_LABELS[unit.status]}${on}`;
}

/** The unit routes of the API (docs/units.md). */
export class UnitsClient {
  constructor(private readonly api: ApiClient) {}

  list(): Promise<Unit[]> {
    return this.api.send<Unit[]>("GET", "/api/units");
  }

  suggest(incidentId: string): Promise<UnitSuggestion[]> {
    return this.api.send<UnitSuggestion[]>("GET", `/api/incidents/${encodeURIComponent(incidentId)}/units/suggest`);
  }

  dispatch(incidentId: string, unitId: string, force: boolean, note?: string): Promise<Incident> {
    const body: { unit_id: string; force: boolean; note?: string } = { unit_id: unitId, force };
    if (note) body.note = note;
    return this.api.send<Incident>("POST", `/api/incidents/${encodeURIComponent(incidentId)}/dispatch`, body);
  }

  setStatus(unitId: string, status: UnitStatus): Promise<Unit> {
    return this.api.send<Unit>("POST", `/api/units/${encodeURIComponent(unitId)}/status`, { status });
  }
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "class") element.className = value;
    else element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

/** A small panel: every unit in the user's sectors, its status (a select for those who may
 * set it) and its incident. ``refresh()`` reloads it (the detail pane calls it after a
 * dispatch). */
export class UnitsPanel {
  private readonly box = el("section", { class: "units-panel", "data-testid": "units-panel" });

  constructor(
    private readonly root: HTMLElement,
    private readonly client: UnitsClient,
    private readonly toast: (text: string, error?: boolean) => void,
    private readonly canSetStatus: boolean,
  ) {}

  mount(): void {
    this.root.append(this.box);
    void this.refresh();
  }

  async refresh(): Promise<void> {
    let units: Unit[];
    try {
      units = await this.client.list();
    } catch (error) {
      this.box.replaceChildren(el("h3", {}, "Units"), el("p", { class: "empty" }, `Units unavailable: ${String(error)}`));
      return;
    }
    const available = units.filter((u) => u.status === "available").length;
    const list = el("ul", { class: "units", "data-testid": "units-list" });
    for (const unit of units) list.append(this.row(unit));
    if (units.length === 0) list.append(el("li", { class: "empty" }, "No units registered."));
    this.box.replaceChildren(el("h3", {}, `Units (${available} of ${units.length} available)`), list);
  }

  private row(unit: Unit): HTMLLIElement {
    const item = el(
      "li",
      { "data-testid": "unit-row", "data-unit-id": unit.id, "data-status": unit.status },
      el("b", {}, unit.callsign),
      ` ${unit.name} · ${unit.sector_id}${unit.incident_id ? ` · ${unit.incident_id}` : ""} `,
    );
    if (!this.canSetStatus) {
      item.append(el("span", { class: `unit-status ${unit.status}` }, UNIT_STATUS_LABELS[unit.status]));
      return item;
    }
    const select = el("select", { "data-testid": "unit-status", "aria-label": `status of ${unit.callsign}` });
    const current = el("option", { value: unit.status }, UNIT_STATUS_LABELS[unit.status]);
    current.selected = true;
    select.append(current);
    for (const status of FIELD_STATUSES) {
      if (status !== unit.status) select.append(el("option", { value: status }, UNIT_STATUS_LABELS[status]));
    }
    select.addEventListener("change", () => {
      const status = select.value as UnitStatus;
      this.client
        .setStatus(unit.id, status)
        .then(() => {
          this.toast(`${unit.callsign}: ${UNIT_STATUS_LABELS[status].toLowerCase()}`);
          return this.refresh();
        })
        .catch((error: unknown) => {
          const detail = error instanceof Error && "detail" in error ? String((error as { detail: unknown }).detail) : String(error);
          this.toast(detail, true);
          void this.refresh();
        });
    });
    item.append(select);
    return item;
  }
}
