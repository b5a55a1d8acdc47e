// The incident detail pane: snapshot, clip player, history timeline, actions and notes.
import { ApiError, type ApiClient } from "./api";
import { clear, h } from "./dom";
import {
  STATUS_LABELS,
  actionAllowed,
  eventWords,
  clockZ,
  crossingsText,
  dateTimeZ,
  km,
  kindWords,
  priorityColour,
  type IncidentAction,
} from "./format";
import { EXPORTERS, exportForm, exportResult } from "./export";
import { DroneCueClient, DroneCuePrompt, type RouteOverlay } from "./drone_cue";
import type { Store } from "./store";
import type { Clip, EventRecord, Incident, Resolution } from "./types";
import { UnitsClient, UnitsPanel, dispatchChoices, type DispatchChoice } from "./units";
import type { Features } from "./features";
import { CentralClient, answered, type CentralCommand, type CommandRequest } from "./outposts";
import { CROSSING_KINDS, snapshotEvent } from "./snapshot_choice";
import type { CrossingAt } from "./video/clip_marks";
import { clipPanel, type ClipPanel } from "./video/clip_panel";
import { PulledClipsPanel } from "./pulled_clips";
import { PulledEvidenceClient } from "./pulled_evidence";
import { exportPullForm, type ExportPull } from "./pulled_export";

type Mode = "idle" | "resolve" | "dispatch" | "export" | "drone";

const CLIP_POLLS = 24;
const CLIP_POLL_MS = 5000;
const MAX_EVENTS = 50;
/** At the centre, how often and how long the console asks for a command's answer. */
const COMMAND_FOLLOW_MS = 1500;
const COMMAND_FOLLOW_TRIES = 20;
/** Roles that may set a unit's field status (the API checks it again). */
const UNIT_REPORTERS: ReadonlySet<string> = new Set(["operator", "supervisor", "admin", "commander"]);
/** Roles that may task drones (incident_act, as dispatching; the API checks it again). */
const DRONE_TASKERS: ReadonlySet<string> = new Set(["operator", "supervisor", "admin"]);
const CHOICE_GROUPS: [DispatchChoice["group"], string][] = [
  ["sector", "Available, this sector (nearest first)"],
  ["other", "Available, other sectors"],
  ["busy", "Busy: needs force"],
];

const RESOLUTIONS: { key: string; value: Resolution; label: string }[] = [
  { key: "t", value: "true_alarm", label: "True alarm" },
  { key: "f", value: "false_alarm", label: "False alarm" },
  { key: "u", value: "duplicate", label: "Duplicate" },
];

/** "true_alarm" as the operator chose it: "True alarm". */
function resolutionWords(resolution: Resolution): string {
  return RESOLUTIONS.find((r) => r.value === resolution)?.label ?? resolution.replaceAll("_", " ");
}

/** An open incident nobody acknowledged before its SLA time. */
function overdue(incident: Incident): boolean {
  return incident.status === "open" && incident.sla_due_at !== null && Date.parse(incident.sla_due_at) < Date.now();
}

export class DetailPane {
  private mode: Mode = "idle";
  private shownId: string | null = null;
  /** The shown incident's clips: where they go, the panel once listed, the current poll. */
  private clips: { incidentId: string; box: HTMLElement; panel: ClipPanel | null; polling: number } | null = null;
  private shownVersion = -1;
  private readonly body = h("div", { class: "detail-body", "data-testid": "incident-detail" });
  private readonly media = h("div", { class: "detail-media" });
  private readonly snapshotBox = h("div", { class: "detail-snapshot" });
  /** The shown incident's events as loaded (to name them in the history). */
  private readonly eventsById = new Map<string, EventRecord>();
  /** The event whose snapshot is on screen ("" for none yet). */
  private snapshotId = "";
  private readonly prompt = h("div", { class: "detail-prompt" });
  private readonly info = h("div", { class: "detail-info" });
  private readonly history = h("div", { class: "detail-history" });
  private readonly unitsBox = h("div", { class: "detail-units" });
  /** The last export's download link; kept while the same incident is shown. */
  private readonly exportBox = h("div", { class: "detail-export" });
  private unitsClient: UnitsClient | null = null;
  /** At the centre: actions become commands to the incident's outpost. */
  private central: CentralClient | null = null;
  private unitsPanel: UnitsPanel | null = null;
  /** At the centre: clips are listed and pulled from the incident's outpost on demand. */
  private pulled: PulledEvidenceClient | null = null;
  private pulledPanel: PulledClipsPanel | null = null;
  private exportPull: ExportPull | null = null;
  /** Outpost names by id (from the centre's outposts list), for the pulled clips' words. */
  private readonly outpostNames = new Map<string, string>();
  /** Bumped each time the dispatch prompt opens, so a slow unit list cannot fill a newer one. */
  private dispatchTicket = 0;
  /** The open "Send drone" prompt (its plan is cancelled when it closes). */
  private droneCue: DroneCuePrompt | null = null;
  private routeOverlay: RouteOverlay | null = null;
  private readonly eventList = h("ol", { class: "timeline events", "data-testid": "event-timeline" });
  private readonly noteInput = h("textarea", {
    class: "note-input",
    rows: 2,
    placeholder: "Add a note (Ctrl+Enter to save)",
    "data-testid": "note-input",
  });

  constructor(
    private readonly root: HTMLElement,
    private readonly api: ApiClient,
    private readonly store: Store,
    private readonly toast: (text: string, error?: boolean) => void,
    /** What this server serves: without units no dispatch or unit list, without drones no
     * "Send drone" (nothing is asked of a route the server does not have). */
    private readonly features: Features,
  ) {}

  mount(): void {
    this.root.append(this.body);
    this.noteInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void this.saveNote();
      } else if (event.key === "Escape") {
        this.noteInput.blur();
      }
    });
    this.store.on("selection", () => this.render());
    if (this.features.central()) {
      const central = new CentralClient(this.api);
      this.central = central;
      void central.outposts().then(
        (outposts) => {
          for (const outpost of outposts) this.outpostNames.set(outpost.id, outpost.name);
        },
        () => undefined, // the panels say the outpost's id instead
      );
    }
    if (this.features.has("evidence_pull")) this.pulled = new PulledEvidenceClient(this.api);
    if (this.features.has("units")) {
      this.unitsClient = new UnitsClient(this.api);
      this.unitsPanel = new UnitsPanel(
        this.unitsBox,
        this.unitsClient,
        this.toast,
        UNIT_REPORTERS.has(this.store.user?.role ?? ""),
      );
      this.unitsPanel.mount();
    }
    this.render();
  }

  /** An outpost in words: its name ("Outpost A (tripoint)"), or "outpost edge-a" unnamed. */
  private outpostWords(edgeId: string): string {
    const name = this.outpostNames.get(edgeId);
    return name && name !== edgeId ? name : `outpost ${edgeId}`;
  }

  /** Where a planned drone route is drawn (the live map). */
  setRouteOverlay(overlay: RouteOverlay | null): void {
    this.routeOverlay = overlay;
  }

  focusNote(): void {
    if (this.store.selected()) this.noteInput.focus();
  }

  private render(): void {
    const incident = this.store.selected();
    if (!incident) {
      this.shownId = null;
      this.pulledPanel?.close();
      this.pulledPanel = null;
      clear(this.body);
      this.body.append(h("p", { class: "empty" }, "Select an incident (j/k, Enter)."), this.unitsBox);
      return;
    }
    const changedIncident = incident.id !== this.shownId;
    if (!changedIncident && incident.version === this.shownVersion) return;
    if (changedIncident) {
      this.droneCue?.close();
      this.pulledPanel?.close();
      this.pulledPanel = null;
      this.mode = "idle";
      this.shownId = incident.id;
      clear(this.body);
      clear(this.media);
      clear(this.eventList);
      clear(this.exportBox);
      this.body.append(this.info, this.prompt, this.exportBox, this.media, this.history, this.unitsBox);
      void this.loadMedia(incident);
    } else {
      // A new event may have joined: a camera's view of the crossing replaces a lesser one.
      void this.loadEvents(incident).then((events) => {
        if (this.shownId !== incident.id) return;
        this.showSnapshot(incident, events);
        // Its clip is listed after its post-roll (at the centre the operator asks again).
        if (!this.pulled) void this.pollClips(incident.id, events);
      });
    }
    this.shownVersion = incident.version;
    this.renderInfo(incident);
    // A live update leaves an open prompt alone (a half-typed reason, a chosen unit), unless
    // the incident's new state no longer allows what the prompt would do.
    if (changedIncident) this.renderPrompt();
    else if ((this.mode === "resolve" || this.mode === "dispatch") && !actionAllowed(incident.status, this.mode)) this.cancelPrompt();
  }

  private renderInfo(incident: Incident): void {
    clear(this.info);
    const facts: [string, string][] = [
      ["Status", `${STATUS_LABELS[incident.status]}${incident.resolution ? ` · ${resolutionWords(incident.resolution)}` : ""}`],
      ["Opened", dateTimeZ(incident.opened_at)],
      ["Last alert", dateTimeZ(incident.last_alert_at)],
      ["Crossings", crossingsText(incident.crossings) || "none"],
      ["Where", `${incident.sector_id ?? "—"} · ${km(incident.km_post)}`],
      ["What", [incident.class_name, incident.direction, incident.kind ? kindWords(incident.kind) : null].filter(Boolean).join(" · ")],
      ["Sensor", incident.camera_id ?? "—"],
      ["Assignee", incident.assignee ?? "—"],
      ["Unit", incident.dispatched_unit ?? "—"],
      ["SLA due", incident.sla_due_at ? `${dateTimeZ(incident.sla_due_at)}${overdue(incident) ? " · overdue" : ""}` : "—"],
    ];
    const exportButton = this.button("Export", "e", "action-export", () => this.startExport());
    if (!this.mayExport()) {
      exportButton.disabled = true;
      exportButton.title = "Export: your role may not export evidence";
    }
    let droneButton: HTMLButtonElement | null = null;
    if (this.features.has("drones")) {
      droneButton = this.button("Send drone", "s", "action-drone", () => this.startDroneCue(), incident, "dispatch");
      if (!this.mayTaskDrones()) {
        droneButton.disabled = true;
        droneButton.title = "Send drone: your role may not task drones";
      }
    }
    const actions = h(
      "div",
      { class: "actions" },
      this.button("Acknowledge", "a", "action-ack", () => void this.acknowledge(), incident, "acknowledge"),
      this.features.has("units")
        ? this.button("Dispatch", "d", "action-dispatch", () => this.startDispatch(), incident, "dispatch")
        : null,
      this.button("Resolve", "r", "action-resolve", () => this.startResolve(), incident, "resolve"),
      this.button("Close", "c", "action-close", () => void this.close(), incident, "close"),
      exportButton,
      droneButton,
    );
    const timeline = h("ol", { class: "timeline", "data-testid": "timeline" });
    for (const entry of incident.history) {
      timeline.append(
        h(
          "li",
          {},
          h("span", { class: "t" }, clockZ(entry.time)),
          h("b", {}, STATUS_LABELS[entry.status]),
          ` ${entry.actor}`,
          entry.note ? this.historyNote(entry.note) : null,
        ),
      );
    }
    const notes = h("ol", { class: "notes", "data-testid": "notes" });
    for (const note of incident.notes) {
      notes.append(h("li", {}, h("span", { class: "t" }, `${clockZ(note.time)} ${note.author}`), ` ${note.text}`));
    }
    this.info.append(
      h(
        "header",
        { class: "detail-head" },
        h("span", { class: "prio", style: `background:${priorityColour(incident.priority)}` }, `P${incident.priority}`),
        h("h2", {}, incident.title),
        incident.escalated && incident.status !== "closed" && incident.status !== "resolved"
          ? h("span", { class: "escalated-tag", "data-testid": "escalated-tag" }, "ESCALATED")
          : null,
      ),
      h("dl", { class: "facts" }, ...facts.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v || "—")])),
      actions,
    );
    clear(this.history);
    this.history.append(
      h("h3", {}, "Events"),
      this.eventList,
      h("h3", {}, "Timeline"),
      timeline,
      h("h3", {}, "Notes"),
      notes,
      this.noteInput,
    );
  }

  /** A history note in words: "event <id>" (the event that opened the incident) names the
   * event once it is loaded, never as a bare hash. */
  private historyNote(note: string): HTMLSpanElement {
    const match = /^event ([0-9a-f]{16,64})$/.exec(note.trim());
    if (!match?.[1]) return h("span", {}, ` — ${note}`);
    const span = h("span", { class: "history-event", "data-event-id": match[1] });
    span.textContent = this.eventNote(match[1]);
    return span;
  }

  private eventNote(eventId: string): string {
    const event = this.eventsById.get(eventId);
    return event ? ` — on ${eventWords(event)}` : " — on its first event";
  }

  private button(
    label: string,
    key: string,
    testId: string,
    onClick: () => void,
    incident?: Incident,
    action?: IncidentAction,
  ): HTMLButtonElement {
    const button = h("button", { type: "button", "data-testid": testId, title: `${label} (${key})` }, label, h("kbd", {}, key));
    if (incident && action && !actionAllowed(incident.status, action)) {
      button.disabled = true;
      button.title = `${label}: not possible when ${STATUS_LABELS[incident.status].toLowerCase()}`;
    }
    button.addEventListener("click", onClick);
    return button;
  }

  private renderPrompt(): void {
    clear(this.prompt);
    this.exportPull?.close();
    this.exportPull = null;
    if (this.mode === "resolve") {
      this.prompt.append(
        h("span", {}, "Resolve as:"),
        ...RESOLUTIONS.map((r) =>
          this.button(r.label, r.key, `resolve-${r.value}`, () => void this.resolve(r.value)),
        ),
        h("span", { class: "hint" }, "Esc cancels"),
      );
    } else if (this.mode === "dispatch") {
      this.renderDispatch();
    } else if (this.mode === "export" && this.pulled) {
      // At the centre: the outpost's bundle, pulled by its id.
      const incident = this.store.selected();
      if (!incident) return;
      const edgeId = [...this.eventsById.values()].map((e) => e.attributes.edge_id).find((v) => typeof v === "string" && v !== "");
      const outpost = (): string => (typeof edgeId === "string" ? this.outpostWords(edgeId) : "the incident's outpost");
      this.exportPull = exportPullForm(this.pulled, incident.id, outpost, () => this.cancelPrompt());
      this.prompt.append(...this.exportPull.elements);
    } else if (this.mode === "export") {
      this.prompt.append(
        ...exportForm(
          (reason, maskedVideo) => void this.export(reason, maskedVideo),
          () => this.cancelPrompt(),
        ),
      );
    } else if (this.mode === "drone") {
      this.renderDroneCue();
    }
  }

  /** The dispatch prompt: a select of registered units (this sector's available units
   * first, nearest first; then other sectors; busy ones only with force), never free text. */
  private renderDispatch(): void {
    const incident = this.store.selected();
    const client = this.unitsClient;
    if (!incident || !client) return;
    const ticket = ++this.dispatchTicket;
    const select = h("select", { "data-testid": "dispatch-unit", "aria-label": "unit to dispatch", disabled: true });
    select.append(h("option", { value: "" }, "Loading units…"));
    const force = h("input", { type: "checkbox", "data-testid": "dispatch-force" });
    const send = h("button", { type: "button", "data-testid": "dispatch-send", disabled: true }, "Send");
    const forceLabel = h("label", { class: "hint", title: "take a unit that is not available" }, force, " force");
    const sendChosen = (): void => {
      const choice = select.selectedOptions[0];
      if (!choice || !choice.value || choice.disabled) return;
      if (choice.dataset.needsForce === "true" && !force.checked) {
        this.toast(`${choice.textContent ?? "that unit"} is busy: tick "force" to take it`, true);
        return;
      }
      void this.dispatch(choice.value, choice.dataset.callsign ?? choice.value, force.checked);
    };
    select.addEventListener("keydown", (event) => {
      if (event.key === "Enter") sendChosen();
      if (event.key === "Escape") this.cancelPrompt();
    });
    send.addEventListener("click", sendChosen);
    this.prompt.append(
      h("span", {}, "Dispatch:"),
      select,
      forceLabel,
      send,
      h("span", { class: "hint" }, "Enter sends · Esc cancels"),
    );
    void Promise.all([client.suggest(incident.id), client.list()]).then(
      ([suggestions, units]) => {
        if (ticket !== this.dispatchTicket || this.mode !== "dispatch") return;
        const choices = dispatchChoices(incident, suggestions, units);
        clear(select);
        if (choices.length === 0) {
          select.append(h("option", { value: "" }, "No units registered in your sectors"));
          return;
        }
        for (const [group, label] of CHOICE_GROUPS) {
          const inGroup = choices.filter((c) => c.group === group);
          if (inGroup.length === 0) continue;
          const optgroup = h("optgroup", { label });
          for (const c of inGroup) {
            const option = h("option", { value: c.unitId, disabled: c.disabled, "data-needs-force": String(c.needsForce) }, c.label);
            option.dataset.callsign = c.callsign;
            optgroup.append(option);
          }
          select.append(optgroup);
        }
        const first = choices.find((c) => !c.disabled && !c.needsForce);
        if (first) select.value = first.unitId;
        select.disabled = false;
        send.disabled = false;
        select.focus();
      },
      (error: unknown) => {
        if (ticket !== this.dispatchTicket) return;
        clear(select);
        select.append(h("option", { value: "" }, "Units unavailable"));
        this.toast(error instanceof ApiError ? error.detail : String(error), true);
      },
    );
  }

  /** Keys while a prompt is open; returns true when the key was used. */
  handlePromptKey(key: string): boolean {
    if (this.mode === "idle") return false;
    if (key === "Escape") {
      this.cancelPrompt();
      return true;
    }
    if (this.mode === "resolve") {
      const choice = RESOLUTIONS.find((r) => r.key === key);
      if (choice) {
        void this.resolve(choice.value);
        return true;
      }
    }
    return false;
  }

  cancelPrompt(): void {
    this.droneCue?.close();
    this.mode = "idle";
    this.renderPrompt();
  }

  startResolve(): void {
    if (!this.allows("resolve")) return;
    this.mode = "resolve";
    this.renderPrompt();
  }

  startDispatch(): void {
    if (!this.features.has("units") || !this.allows("dispatch")) return;
    this.mode = "dispatch";
    this.renderPrompt();
  }

  startDroneCue(): void {
    if (!this.features.has("drones") || !this.allows("dispatch") || !this.mayTaskDrones()) return;
    this.mode = "drone";
    this.renderPrompt();
  }

  private mayTaskDrones(): boolean {
    return DRONE_TASKERS.has(this.store.user?.role ?? "");
  }

  /** The "Send drone" prompt: kept across re-renders of the same incident. */
  private renderDroneCue(): void {
    const incident = this.store.selected();
    if (!incident) return;
    this.droneCue ??= new DroneCuePrompt(new DroneCueClient(this.api), incident, this.routeOverlay, this.toast, () => {
      this.droneCue = null;
      if (this.mode === "drone") {
        this.mode = "idle";
        this.renderPrompt();
      }
    });
    this.prompt.append(this.droneCue.element);
  }

  startExport(): void {
    if (!this.store.selected() || !this.mayExport()) return;
    this.mode = "export";
    this.renderPrompt();
  }

  private mayExport(): boolean {
    return EXPORTERS.has(this.store.user?.role ?? "");
  }

  /** Builds the incident's evidence bundle and offers it for download. */
  private async export(reason: string, maskedVideo: boolean): Promise<void> {
    const incident = this.store.selected();
    if (!incident) return;
    try {
      const answer = await this.api.createExport(incident.id, reason, maskedVideo);
      if (this.shownId !== incident.id) return;
      this.mode = "idle";
      this.renderPrompt();
      clear(this.exportBox);
      this.exportBox.append(exportResult(this.api, answer, reason));
      this.toast(`Evidence bundle ${answer.id} ready`);
    } catch (error) {
      this.toast(error instanceof ApiError ? error.detail : String(error), true);
      this.renderPrompt(); // a fresh form: the reason can be corrected and sent again
    }
  }

  /** Whether the selected incident's state allows ``action`` (keys check this too). */
  allows(action: IncidentAction): boolean {
    const incident = this.store.selected();
    return incident !== null && actionAllowed(incident.status, action);
  }

  async acknowledge(): Promise<void> {
    if (!this.allows("acknowledge")) return;
    if (this.central) await this.order(this.central, { action: "acknowledge" });
    else await this.run((id) => this.api.acknowledge(id), "Acknowledged");
  }

  async close(): Promise<void> {
    if (!this.allows("close")) return;
    if (this.central) await this.order(this.central, { action: "close" });
    else await this.run((id) => this.api.close(id), "Closed");
  }

  private async resolve(resolution: Resolution): Promise<void> {
    this.mode = "idle";
    this.renderPrompt();
    if (this.central) await this.order(this.central, { action: "resolve", resolution });
    else await this.run((id) => this.api.resolve(id, resolution), `Resolved: ${resolutionWords(resolution)}`);
  }

  private async dispatch(unitId: string, callsign: string, force: boolean): Promise<void> {
    const client = this.unitsClient;
    if (!client) return;
    this.mode = "idle";
    this.renderPrompt();
    await this.run((id) => client.dispatch(id, unitId, force), `Dispatched ${callsign}`);
  }

  private async saveNote(): Promise<void> {
    const text = this.noteInput.value.trim();
    if (!text) return;
    const saved = this.central
      ? await this.order(this.central, { action: "note", note: text })
      : await this.run((id) => this.api.addNote(id, text), "Note saved");
    if (saved) this.noteInput.value = "";
  }

  /** At the centre: the action becomes a command to the incident's outpost (answered 202);
   * the incident changes here when the outpost's snapshot arrives on the live feed, and the
   * outpost's answer (applied, or refused with its reason) is shown once it comes. */
  private async order(central: CentralClient, request: CommandRequest): Promise<boolean> {
    const incident = this.store.selected();
    if (!incident) return false;
    try {
      const command = await central.command(incident.id, request);
      this.toast(command.message);
      void this.follow(central, command.command_id);
      return true;
    } catch (error) {
      this.toast(error instanceof ApiError ? error.detail : String(error), true);
      return false;
    }
  }

  private async follow(central: CentralClient, commandId: string): Promise<void> {
    for (let tries = 0; tries < COMMAND_FOLLOW_TRIES; tries++) {
      await new Promise((resolve) => window.setTimeout(resolve, COMMAND_FOLLOW_MS));
      let command: CentralCommand;
      try {
        command = await central.commandStatus(commandId);
      } catch {
        return; // the command stays listed at the centre; nothing more to say here
      }
      if (answered(command)) {
        this.toast(command.message, command.status !== "applied");
        return;
      }
    }
  }

  private async run(action: (id: string) => Promise<Incident>, done: string): Promise<boolean> {
    const incident = this.store.selected();
    if (!incident) return false;
    try {
      this.store.upsertIncident(await action(incident.id));
      this.toast(done);
      void this.unitsPanel?.refresh(); // dispatch, resolve and close move units too
      return true;
    } catch (error) {
      this.toast(error instanceof ApiError ? error.detail : String(error), true);
      return false;
    }
  }

  /** The incident's events in words, oldest first (at most MAX_EVENTS, the newest ones). */
  private async loadEvents(incident: Incident): Promise<EventRecord[]> {
    const ids = incident.event_ids.slice(-MAX_EVENTS);
    const settled = await Promise.allSettled(ids.map((id) => this.api.event(id)));
    const events = settled.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    events.sort((a, b) => a.time.localeCompare(b.time));
    if (this.shownId !== incident.id) return events;
    this.eventsById.clear();
    for (const event of events) this.eventsById.set(event.id, event);
    for (const span of this.info.querySelectorAll<HTMLSpanElement>(".history-event")) {
      span.textContent = this.eventNote(span.dataset.eventId ?? "");
    }
    clear(this.eventList);
    for (const event of events) {
      this.eventList.append(h("li", { "data-testid": "event-line" }, eventWords(event)));
    }
    if (events.length === 0) this.eventList.append(h("li", { class: "empty" }, "No events."));
    this.eventList.scrollTop = this.eventList.scrollHeight; // the newest event in view
    return events;
  }

  private async loadMedia(incident: Incident): Promise<void> {
    const events = await this.loadEvents(incident);
    if (this.shownId !== incident.id) return;
    this.snapshotId = "";
    clear(this.snapshotBox);
    this.media.append(h("h3", {}, "Snapshot"), this.snapshotBox);
    this.showSnapshot(incident, events);
    if (this.pulled) {
      // At the centre: the outpost lists its clips and sends one when asked.
      const edgeId = events.map((e) => e.attributes.edge_id).find((v): v is string => typeof v === "string" && v !== "");
      const panel = new PulledClipsPanel(this.pulled, incident.id, edgeId ?? null, (id) => this.outpostWords(id));
      this.pulledPanel = panel;
      this.media.append(panel.element);
      await panel.loadListing();
      return;
    }
    const clipBox = h("div", { class: "clips" });
    this.media.append(clipBox);
    this.clips = { incidentId: incident.id, box: clipBox, panel: null, polling: 0 };
    await this.pollClips(incident.id, events);
  }

  /**
   * The incident's clips, polled for CLIP_POLLS × CLIP_POLL_MS (a clip is listed after its
   * post-roll, so the clips around later crossings appear one by one, and each camera's
   * whole incident last); again from the start when the incident changes. New clips join
   * the chooser; the player keeps what it plays.
   */
  private async pollClips(incidentId: string, events: readonly EventRecord[]): Promise<void> {
    const state = this.clips;
    if (!state || state.incidentId !== incidentId) return;
    const poll = (state.polling += 1);
    const crossings: CrossingAt[] = events
      .filter((e) => CROSSING_KINDS.has(e.kind))
      .map((e) => ({ time: e.time, label: e.direction ?? "crossing" }));
    for (let attempt = 0; attempt < CLIP_POLLS; attempt += 1) {
      if (this.shownId !== incidentId || state.polling !== poll) return;
      let clips: Clip[] = [];
      try {
        clips = await this.api.clips(incidentId);
      } catch (error) {
        console.warn("clips unavailable", error);
      }
      if (this.shownId !== incidentId || state.polling !== poll) return;
      if (clips.length > 0) {
        if (!state.panel) {
          state.panel = clipPanel((clip) => this.api.clipUrl(clip));
          clear(state.box);
          state.box.append(state.panel.element);
        }
        state.panel.update(clips, crossings);
      } else if (!state.panel) {
        clear(state.box);
        state.box.append(
          h("h3", {}, "Clips"),
          h("p", { class: "empty", "data-testid": "no-clips" }, "No clip yet (recording, checking again)."),
        );
      }
      await new Promise((resolve) => window.setTimeout(resolve, CLIP_POLL_MS));
    }
  }

  /** The crossing frame (snapshot_choice.ts), replaced when a better one joins. */
  private showSnapshot(incident: Incident, events: readonly EventRecord[]): void {
    // A camera of this site, or (at a centre, whose site lists no outpost's cameras) the
    // source of an outpost's event: its snapshot travelled with it if it had one (a radar's
    // event has none: the picture then says so).
    const framed = new Set(events.filter((e) => typeof e.attributes?.edge_id === "string").map((e) => e.source_id));
    const shown = snapshotEvent(events, (id) => this.store.cameras.has(id) || framed.has(id));
    if (!shown) {
      if (this.snapshotId === "") {
        clear(this.snapshotBox);
        const sources = [...new Set(events.map((e) => e.source_id))].join(", ") || incident.camera_id || "no sensor";
        this.snapshotBox.append(h("p", { class: "empty", "data-testid": "no-snapshot" }, `No camera frame yet (seen by ${sources}).`));
      }
      return;
    }
    if (shown.id === this.snapshotId) return;
    this.snapshotId = shown.id;
    const src = this.api.eventSnapshotUrl(shown.id);
    const image = h("img", {
      class: "snapshot",
      alt: `snapshot: ${eventWords(shown)}`,
      src,
      "data-testid": "event-snapshot",
      "data-event-id": shown.id,
      "data-event-kind": shown.kind,
    });
    // Full size in a new tab: the boxes and the line are small at panel width.
    const link = h("a", { href: src, target: "_blank", rel: "noopener", title: "open full size" }, image);
    image.addEventListener("error", () => link.replaceWith(h("p", { class: "empty" }, "No snapshot.")));
    clear(this.snapshotBox);
    this.snapshotBox.append(link, h("div", { class: "clip-meta", "data-testid": "snapshot-caption" }, eventWords(shown)));
  }
}

