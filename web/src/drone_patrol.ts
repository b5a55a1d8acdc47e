// The Drones tab: each drone's live state, and "Plan patrol" for one of them over a sector of
// the user's scope. The API plans (uploads nothing); the route is drawn on the map with its
// summary and border check; Confirm uploads it (the API, over MAVLink), Cancel or Esc drops
// the plan. Every plan, upload and cancel is audited by the API; this module asks and shows.
// The states and words are web/src/drone_patrol_plan.ts (unit-tested).
import { ApiError, type ApiClient } from "./api";
import { clear, h } from "./dom";
import {
  IDLE,
  borderCheck,
  droneReadiness,
  exportPath,
  patrolSummary,
  routeLegs,
  secondsLeft,
  sectorChoices,
  shownPlan,
  step,
  tokenToCancel,
  uploadText,
  waypoints,
  type ExportFormat,
  type MissionPlan,
  type MissionUpload,
  type PatrolEvent,
  type PatrolState,
  type Sector,
} from "./drone_patrol_plan";
import type { PatrolOverlay } from "./map/patrol_preview";
import type { Drone, User } from "./types";
import "./drone_patrol.css";

/** Roles that may task drones (incident_act, as "Send drone"; the API checks it again). */
const DRONE_TASKERS: ReadonlySet<string> = new Set(["operator", "supervisor", "admin"]);

export class DronePatrolClient {
  constructor(private readonly api: ApiClient) {}

  drones(): Promise<Drone[]> {
    return this.api.send<Drone[]>("GET", "/api/drones");
  }

  async sectors(scope: readonly string[]): Promise<Sector[]> {
    return sectorChoices(await this.api.layer("sectors"), scope);
  }

  planPatrol(droneId: string, sectorId: string): Promise<MissionPlan> {
    return this.api.send<MissionPlan>("POST", `/api/drones/${encodeURIComponent(droneId)}/patrol`, { sector_id: sectorId });
  }

  confirm(droneId: string, token: string): Promise<MissionUpload> {
    return this.api.send<MissionUpload>("POST", `/api/drones/${encodeURIComponent(droneId)}/missions/confirm`, { token });
  }

  cancel(droneId: string, token: string): Promise<void> {
    return this.api.send<void>("POST", `/api/drones/${encodeURIComponent(droneId)}/missions/cancel`, { token });
  }

  exportUrl(sectorId: string, format: ExportFormat): string {
    return this.api.url(exportPath(sectorId, format));
  }
}

function failure(error: unknown): PatrolEvent {
  return error instanceof ApiError
    ? { type: "failed", status: error.status, detail: error.detail }
    : { type: "failed", status: null, detail: String(error) };
}

function fixed(value: number | null, unit: string): string {
  return value === null ? "?" : `${Math.round(value)} ${unit}`;
}

/** The Drones tab (`element`), mounted by the console. */
export class DronePatrolPanel {
  readonly element = h("div", { class: "drone-patrol", "data-testid": "drone-patrol" });
  private readonly list = h("table", { class: "drone-list", "data-testid": "drone-list" });
  private readonly droneSelect = h("select", { "data-testid": "patrol-drone", "aria-label": "drone" });
  private readonly sectorSelect = h("select", { "data-testid": "patrol-sector", "aria-label": "sector to patrol" });
  private readonly planButton = h("button", { type: "submit", class: "primary", "data-testid": "patrol-plan" }, "Plan patrol", h("kbd", {}, "p"));
  private readonly prompt = h("div", { class: "patrol-prompt", "data-testid": "patrol-prompt", "aria-live": "polite" });
  private readonly drones = new Map<string, Drone>();
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private sectors: Sector[] = [];
  private state: PatrolState = IDLE;
  private timer: number | null = null;
  private readonly client: DronePatrolClient;

  constructor(
    api: ApiClient,
    private readonly user: User | null,
    private readonly overlay: PatrolOverlay | null,
    private readonly toast: (text: string, error?: boolean) => void,
  ) {
    this.client = new DronePatrolClient(api);
  }

  private mayTask(): boolean {
    return DRONE_TASKERS.has(this.user?.role ?? "");
  }

  mount(): void {
    const form = h(
      "form",
      { class: "patrol-form", "data-testid": "patrol-form" },
      h("label", {}, "Drone", this.droneSelect),
      h("label", {}, "Sector", this.sectorSelect),
      this.planButton,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.plan();
    });
    this.droneSelect.addEventListener("change", () => this.renderForm());
    this.sectorSelect.addEventListener("change", () => this.renderForm());
    this.element.append(h("h3", {}, "Drones"), this.list, h("h3", {}, "Sector patrol"), form, this.prompt);
    if (!this.mayTask()) {
      this.planButton.title = "Plan patrol: your role may not task drones";
    }
    this.render();
    void this.load();
  }

  private async load(): Promise<void> {
    const [drones, sectors] = await Promise.allSettled([this.client.drones(), this.client.sectors(this.user?.sectors ?? [])]);
    if (drones.status === "fulfilled") for (const d of drones.value) this.updateDrone(d);
    else this.toast(`Drones unavailable: ${drones.reason instanceof ApiError ? drones.reason.detail : String(drones.reason)}`, true);
    if (sectors.status === "fulfilled") this.sectors = sectors.value;
    else this.toast("Sectors unavailable", true);
    clear(this.sectorSelect);
    if (this.sectors.length === 0) this.sectorSelect.append(h("option", { value: "" }, "No sector in your scope"));
    for (const s of this.sectors) this.sectorSelect.append(h("option", { value: s.id }, s.name === s.id ? s.id : `${s.name} (${s.id})`));
    this.renderForm();
  }

  /** One drone's state from the live feed (or the first GET). */
  updateDrone(drone: Drone): void {
    const known = this.drones.has(drone.drone_id);
    this.drones.set(drone.drone_id, drone);
    this.renderRow(drone);
    if (!known) this.renderDroneOptions();
    else this.renderForm();
  }

  /** "Plan patrol" for `droneId` (the map popup) or the chosen drone (key `p`): the form,
   * focused on the sector. */
  start(droneId?: string): void {
    if (droneId && this.drones.has(droneId)) {
      this.droneSelect.value = droneId;
      this.renderForm();
    }
    this.sectorSelect.focus();
  }

  /** Esc drops a plan that waits for confirmation (or the message of one that failed). */
  handleKey(key: string): boolean {
    if (key !== "Escape") return false;
    if (this.state.phase === "idle" || this.state.phase === "uploading") return false;
    this.dispatch({ type: "cancel" });
    return true;
  }

  /** The console closes: a pending plan is cancelled on the API. */
  stop(): void {
    this.dispatch({ type: "cancel" });
    this.stopTimer();
  }

  /** The content of a drone's map popup: its state and "Plan patrol". */
  popupContent(droneId: string, onPlan: () => void): HTMLElement {
    const drone = this.drones.get(droneId);
    const button = h("button", { type: "button", class: "primary", "data-testid": "popup-plan-patrol" }, "Plan patrol…");
    button.disabled = !this.mayTask() || (drone ? !droneReadiness(drone).ok : false);
    button.addEventListener("click", () => {
      onPlan();
      this.start(droneId);
    });
    const facts = drone
      ? `${fixed(drone.relative_alt_m, "m")} above home · ${drone.battery_pct === null ? "battery ?" : `${Math.round(drone.battery_pct)} %`} · ${drone.mode || "mode ?"} · ${drone.link === "lost" ? "LINK LOST" : "link ok"}`
      : "no state yet";
    return h("div", { class: "drone-popup-body", "data-testid": "drone-popup" }, h("strong", {}, droneId), h("div", {}, facts), button);
  }

  // -- state ----------------------------------------------------------------------------

  private dispatch(event: PatrolEvent): void {
    const before = this.state;
    const after = step(before, event);
    if (after === before) return;
    this.state = after;
    const dropped = tokenToCancel(before, after);
    if (dropped) void this.client.cancel(dropped.droneId, dropped.token).catch(() => undefined);
    this.render();
  }

  private plan(): void {
    const droneId = this.droneSelect.value;
    const sectorId = this.sectorSelect.value;
    if (!this.mayTask() || !droneId || !sectorId) return;
    this.dispatch({ type: "plan", droneId, sectorId });
    if (this.state.phase !== "planning") return;
    this.client.planPatrol(droneId, sectorId).then(
      (plan) => {
        this.dispatch({ type: "planned", plan });
        // an answer nobody waits for any more (cancelled meanwhile): drop its token
        if (shownPlan(this.state)?.token !== plan.token) void this.client.cancel(plan.drone_id, plan.token).catch(() => undefined);
      },
      (error: unknown) => this.dispatch(failure(error)),
    );
  }

  private confirm(): void {
    const state = this.state;
    if (state.phase !== "preview" || !borderCheck(state.plan).ok) return;
    this.dispatch({ type: "confirm" });
    this.client.confirm(state.plan.drone_id, state.plan.token).then(
      (upload) => {
        this.dispatch({ type: "uploaded", upload });
        this.toast(uploadText(upload));
      },
      (error: unknown) => {
        this.dispatch(failure(error));
        if (this.state.phase === "failed") this.toast(this.state.message, true);
      },
    );
  }

  // -- rendering ------------------------------------------------------------------------

  private renderRow(drone: Drone): void {
    let row = this.rows.get(drone.drone_id);
    if (!row) {
      row = h("tr", { "data-drone": drone.drone_id });
      row.addEventListener("click", () => this.start(drone.drone_id));
      this.rows.set(drone.drone_id, row);
      if (this.list.rows.length === 0) {
        this.list.append(h("tr", {}, ...["Drone", "Link", "Alt", "Batt", "Mode"].map((t) => h("th", {}, t))));
      }
      this.list.append(row);
    }
    clear(row);
    row.classList.toggle("lost", drone.link === "lost");
    row.append(
      h("td", {}, drone.drone_id),
      h("td", { class: `link-${drone.link}` }, drone.link === "lost" ? "LOST" : "ok"),
      h("td", {}, fixed(drone.relative_alt_m, "m")),
      h("td", {}, drone.battery_pct === null ? "?" : `${Math.round(drone.battery_pct)} %`),
      h("td", {}, drone.mode || "?"),
    );
  }

  private renderDroneOptions(): void {
    const current = this.droneSelect.value;
    clear(this.droneSelect);
    const ids = [...this.drones.keys()].sort();
    if (ids.length === 0) this.droneSelect.append(h("option", { value: "" }, "No drone reports"));
    for (const id of ids) this.droneSelect.append(h("option", { value: id }, id));
    this.droneSelect.value = ids.includes(current) ? current : (ids[0] ?? "");
    this.renderForm();
  }

  private renderForm(): void {
    const drone = this.drones.get(this.droneSelect.value);
    const ready = drone ? droneReadiness(drone) : { ok: false, why: "no drone" };
    const busy = this.state.phase === "planning" || this.state.phase === "preview" || this.state.phase === "uploading";
    this.planButton.disabled = !this.mayTask() || !ready.ok || !this.sectorSelect.value || busy;
    if (this.mayTask()) this.planButton.title = ready.ok ? "" : `Cannot plan: ${ready.why}`;
    for (const [id, row] of this.rows) row.classList.toggle("chosen", id === this.droneSelect.value);
  }

  private sectorName(id: string | null): string {
    return this.sectors.find((s) => s.id === id)?.name ?? id ?? "";
  }

  private render(): void {
    const state = this.state;
    this.renderForm();
    this.overlay?.show(shownPlan(state), state.phase);
    this.prompt.dataset.phase = state.phase;
    this.stopTimer();
    clear(this.prompt);
    switch (state.phase) {
      case "idle":
        this.prompt.append(h("p", { class: "hint" }, "Choose a drone and a sector, then Plan patrol (p). Nothing is sent before you confirm."));
        return;
      case "planning":
        this.prompt.append(h("p", { class: "status" }, `Planning the patrol of ${this.sectorName(state.sectorId)} for ${state.droneId}…`));
        return;
      case "preview":
        this.renderPreview(state.plan);
        return;
      case "uploading":
        this.prompt.append(h("p", { class: "status", "data-testid": "patrol-uploading" }, `Uploading to ${state.plan.drone_id} over MAVLink… waiting for the drone to accept.`));
        return;
      case "uploaded":
        this.renderUploaded(state.plan, state.upload);
        return;
      case "failed":
        this.renderFailed(state.message);
        return;
    }
  }

  private renderPreview(plan: MissionPlan): void {
    const facts = h("dl", { class: "facts patrol-summary", "data-testid": "patrol-summary" });
    const renderFacts = (): void => {
      clear(facts);
      for (const [k, v] of patrolSummary(plan, this.sectorName(plan.sector_id), Date.now())) {
        facts.append(h("dt", {}, k), h("dd", { class: k === "Border check" ? (borderCheck(plan).ok ? "ok" : "bad") : "" }, v));
      }
    };
    renderFacts();
    const check = borderCheck(plan);
    const confirm = h("button", { type: "button", class: "primary", "data-testid": "patrol-confirm" }, "Confirm upload");
    confirm.disabled = !check.ok;
    const cancel = h("button", { type: "button", "data-testid": "patrol-cancel" }, "Cancel", h("kbd", {}, "Esc"));
    confirm.addEventListener("click", () => this.confirm());
    cancel.addEventListener("click", () => this.dispatch({ type: "cancel" }));
    this.prompt.append(
      h("h4", {}, "Upload this patrol?"),
      facts,
      h("p", { class: "hint" }, "The route is on the map (dashed: not sent yet). Nothing is sent to the drone until you confirm."),
      h("div", { class: "actions" }, confirm, cancel, ...this.exportLinks(plan)),
      this.legTable(plan),
    );
    this.timer = window.setInterval(() => {
      if (secondsLeft(plan, Date.now()) === 0) this.dispatch({ type: "expired" });
      else renderFacts();
    }, 1000);
    confirm.focus();
  }

  private legTable(plan: MissionPlan): HTMLElement {
    const wps = waypoints(plan);
    const table = h("table", { class: "patrol-legs", "data-testid": "patrol-legs" });
    table.append(h("tr", {}, ...["Leg", "Kind", "Length", "Course"].map((t) => h("th", {}, t))));
    for (const leg of routeLegs(plan)) {
      table.append(
        h(
          "tr",
          { class: `leg-${leg.role}` },
          h("td", {}, String(leg.index)),
          h("td", {}, leg.role),
          h("td", {}, leg.length_m >= 1000 ? `${(leg.length_m / 1000).toFixed(2)} km` : `${Math.round(leg.length_m)} m`),
          h("td", {}, `${String(Math.round(leg.bearing_deg) % 360).padStart(3, "0")}°`),
        ),
      );
    }
    const aimed = wps.filter((w) => w.looks_at !== null).length;
    return h(
      "details",
      { class: "patrol-detail" },
      h("summary", {}, `Legs and waypoints (${wps.length} waypoints, camera on the border at ${aimed})`),
      table,
    );
  }

  private exportLinks(plan: MissionPlan): HTMLElement[] {
    const sector = plan.sector_id;
    if (!sector) return [];
    const link = (format: ExportFormat, label: string): HTMLElement =>
      h("a", { class: "button", href: this.client.exportUrl(sector, format), download: `patrol-${sector}.${format}`, "data-testid": `patrol-export-${format}` }, label);
    return [link("plan", "Export .plan"), link("waypoints", "Export WPL")];
  }

  private renderUploaded(plan: MissionPlan, upload: MissionUpload): void {
    const clearButton = h("button", { type: "button", "data-testid": "patrol-clear" }, "Clear route", h("kbd", {}, "Esc"));
    clearButton.addEventListener("click", () => this.dispatch({ type: "cancel" }));
    this.prompt.append(
      h("p", { class: "status ok", "data-testid": "patrol-result" }, uploadText(upload)),
      h("p", { class: "hint" }, `The drone flies the patrol of ${this.sectorName(plan.sector_id)} now (solid route on the map).`),
      h("div", { class: "actions" }, clearButton),
    );
  }

  private renderFailed(message: string): void {
    const again = h("button", { type: "button", "data-testid": "patrol-dismiss" }, "Dismiss", h("kbd", {}, "Esc"));
    again.addEventListener("click", () => this.dispatch({ type: "cancel" }));
    this.prompt.append(h("p", { class: "status error", role: "alert", "data-testid": "patrol-error" }, message), h("div", { class: "actions" }, again));
  }

  private stopTimer(): void {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
  }
}
