// "Send drone" in the incident pane: pick a drone, plan a cue mission to the incident (the
// API plans, uploads nothing), show its route on the map and a confirmation with the mission
// summary and its border clearance, then confirm (the API uploads it over MAVLink) or cancel.
// Every step is audited by the API; this module only asks and shows.
import type { GeoJSONSource, Map as MapLibreMap } from "maplibre-gl";
import { ApiError, type ApiClient } from "./api";
import { clear, h } from "./dom";
import {
  droneChoices,
  planFeatures,
  planSummary,
  secondsLeft,
  uploadText,
  type MissionPlan,
  type MissionUpload,
} from "./drone_cue_plan";
import type { Drone, Incident } from "./types";
import "./drone_cue.css";

const SOURCE = "drone-cue";
const LAYERS = ["drone-cue-route", "drone-cue-loiter", "drone-cue-points"] as const;

/** Where the planned route is drawn (the live map), or nothing. */
export interface RouteOverlay {
  show(plan: MissionPlan | null): void;
}

/** The planned route on a MapLibre map (the source and layers are added on first use). */
export function mapRouteOverlay(map: () => MapLibreMap | null): RouteOverlay {
  return {
    show(plan: MissionPlan | null): void {
      const m = map();
      if (!m || !m.isStyleLoaded()) return;
      const data = plan ? planFeatures(plan) : { type: "FeatureCollection" as const, features: [] };
      const source = m.getSource<GeoJSONSource>(SOURCE);
      if (source) {
        void source.setData(data);
        return;
      }
      m.addSource(SOURCE, { type: "geojson", data });
      m.addLayer({
        id: LAYERS[0],
        type: "line",
        source: SOURCE,
        filter: ["==", ["get", "role"], "route"],
        paint: { "line-color": "#ffb300", "line-width": 3, "line-dasharray": [2, 1] },
      });
      m.addLayer({
        id: LAYERS[1],
        type: "line",
        source: SOURCE,
        filter: ["==", ["get", "role"], "loiter"],
        paint: { "line-color": "#ffb300", "line-width": 2 },
      });
      m.addLayer({
        id: LAYERS[2],
        type: "circle",
        source: SOURCE,
        filter: ["in", ["get", "role"], ["literal", ["start", "target"]]],
        paint: {
          "circle-radius": 6,
          "circle-color": ["match", ["get", "role"], "target", "#e53935", "#ffb300"],
          "circle-stroke-color": "#000",
          "circle-stroke-width": 1,
        },
      });
    },
  };
}

export class DroneCueClient {
  constructor(private readonly api: ApiClient) {}

  drones(): Promise<Drone[]> {
    return this.api.send<Drone[]>("GET", "/api/drones");
  }

  planCue(incidentId: string, droneId: string): Promise<MissionPlan> {
    return this.api.send<MissionPlan>("POST", `/api/incidents/${encodeURIComponent(incidentId)}/drone-cue`, {
      drone_id: droneId,
    });
  }

  confirm(droneId: string, token: string): Promise<MissionUpload> {
    return this.api.send<MissionUpload>("POST", `/api/drones/${encodeURIComponent(droneId)}/missions/confirm`, { token });
  }

  cancel(droneId: string, token: string): Promise<void> {
    return this.api.send<void>("POST", `/api/drones/${encodeURIComponent(droneId)}/missions/cancel`, { token });
  }
}

function message(error: unknown): string {
  return error instanceof ApiError ? error.detail : String(error);
}

/** The "Send drone" prompt of one incident: `element` goes into the pane's prompt area;
 * `close` (after an upload or a cancel) hands the pane back. */
export class DroneCuePrompt {
  readonly element = h("div", { class: "drone-cue", "data-testid": "drone-cue" });
  private plan: MissionPlan | null = null;
  private timer: number | null = null;
  private closed = false;

  constructor(
    private readonly client: DroneCueClient,
    private readonly incident: Incident,
    private readonly overlay: RouteOverlay | null,
    private readonly toast: (text: string, error?: boolean) => void,
    private readonly onClose: () => void,
  ) {
    void this.choose();
  }

  /** Esc, another incident, another prompt: drop the plan (the token is cancelled). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimer();
    const plan = this.plan;
    this.plan = null;
    this.overlay?.show(null);
    if (plan) void this.client.cancel(plan.drone_id, plan.token).catch(() => undefined);
    this.onClose();
  }

  private async choose(): Promise<void> {
    clear(this.element);
    const select = h("select", { "data-testid": "drone-cue-drone", "aria-label": "drone to send", disabled: true });
    select.append(h("option", { value: "" }, "Loading drones…"));
    const plan = h("button", { type: "button", "data-testid": "drone-cue-plan", disabled: true }, "Plan route");
    const cancel = h("button", { type: "button", "data-testid": "drone-cue-cancel" }, "Cancel");
    cancel.addEventListener("click", () => this.close());
    plan.addEventListener("click", () => void this.planCue(select.value));
    this.element.append(h("span", {}, "Send drone:"), select, plan, cancel);
    try {
      const choices = droneChoices(await this.client.drones());
      if (this.closed) return;
      clear(select);
      if (choices.length === 0) {
        select.append(h("option", { value: "" }, "No drone reports a position"));
        return;
      }
      for (const c of choices) select.append(h("option", { value: c.id, disabled: c.disabled }, c.label));
      const first = choices.find((c) => !c.disabled);
      if (first) {
        select.value = first.id;
        select.disabled = false;
        plan.disabled = false;
        plan.focus();
      }
    } catch (error) {
      clear(select);
      select.append(h("option", { value: "" }, "Drones unavailable"));
      this.toast(message(error), true);
    }
  }

  private async planCue(droneId: string): Promise<void> {
    if (!droneId) return;
    this.element.classList.add("busy");
    try {
      const plan = await this.client.planCue(this.incident.id, droneId);
      if (this.closed) {
        void this.client.cancel(plan.drone_id, plan.token).catch(() => undefined);
        return;
      }
      this.plan = plan;
      this.overlay?.show(plan);
      this.showPlan(plan);
    } catch (error) {
      // 422: no safe route (border, buffer, out of reach); 409: the drone cannot be tasked now
      this.toast(`No drone sent: ${message(error)}`, true);
    } finally {
      this.element.classList.remove("busy");
    }
  }

  private showPlan(plan: MissionPlan): void {
    clear(this.element);
    const facts = h("dl", { class: "facts drone-cue-summary", "data-testid": "drone-cue-summary" });
    const renderFacts = (): void => {
      clear(facts);
      for (const [k, v] of planSummary(plan, Date.now())) facts.append(h("dt", {}, k), h("dd", {}, v));
    };
    renderFacts();
    const confirm = h("button", { type: "button", class: "primary", "data-testid": "drone-cue-confirm" }, "Confirm upload");
    const cancel = h("button", { type: "button", "data-testid": "drone-cue-cancel" }, "Cancel");
    confirm.addEventListener("click", () => void this.confirm(plan, confirm));
    cancel.addEventListener("click", () => this.close());
    this.element.append(
      h("h4", {}, "Upload this mission?"),
      facts,
      h("p", { class: "hint" }, "The route is on the map. Nothing is sent to the drone until you confirm."),
      h("div", { class: "actions" }, confirm, cancel),
    );
    this.stopTimer();
    this.timer = window.setInterval(() => {
      renderFacts();
      if (secondsLeft(plan, Date.now()) === 0) {
        confirm.disabled = true;
        confirm.title = "The plan expired: plan again";
        this.stopTimer();
      }
    }, 1000);
    confirm.focus();
  }

  private async confirm(plan: MissionPlan, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    this.element.classList.add("busy");
    try {
      const upload = await this.client.confirm(plan.drone_id, plan.token);
      this.plan = null; // used: nothing to cancel
      this.toast(uploadText(upload));
      this.close();
      this.overlay?.show(plan); // keep the route on the map: the drone now flies it
    } catch (error) {
      // 504: the drone did not answer; 502: it refused; 409: used or expired. Plan again.
      this.plan = null;
      this.toast(`Upload failed: ${message(error)}`, true);
      this.close();
    } finally {
      this.element.classList.remove("busy");
    }
  }

  private stopTimer(): void {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
  }
}
