// The operator console: layout, wiring of panels, the live feed and the keyboard.
import { AlertCursor } from "./alert_cursor";
import { AlertCentre } from "./alerts";
import type { ApiClient } from "./api";
import { CameraPanel } from "./cameras";
import { DetailPane } from "./detail";
import { DronePatrolPanel } from "./drone_patrol";
import { activatingControl, h, typingInField } from "./dom";
import { Features, type Tab } from "./features";
import { HealthPanel } from "./health";
import { CentralClient, OutpostsPanel, mayReadAudit } from "./outposts";
import { StatsPanel } from "./stats";
import { LiveFeed } from "./live";
import { MapView } from "./map/view";
import { IncidentQueue } from "./queue";
import { Store } from "./store";
import { Office, consoleFor, renderOffice } from "./register/office";
import type { LiveMessage, Session } from "./types";

const CONNECTION_LABELS = { connecting: "CONNECTING", live: "LIVE", reconnecting: "RECONNECTING", offline: "OFFLINE" };

export class Console {
  readonly store = new Store();
  private live: LiveFeed | null = null;
  private readonly tabs = new Map<Tab, { button: HTMLButtonElement; pane: HTMLElement }>();
  private readonly toastBox = h("div", { class: "toast", role: "status", "data-testid": "toast" });
  private readonly timers: number[] = [];
  private keyHandler: ((event: KeyboardEvent) => void) | null = null;
  private queue: IncidentQueue | null = null;
  private detail: DetailPane | null = null;
  private cameras: CameraPanel | null = null;
  private map: MapView | null = null;
  private alerts: AlertCentre | null = null;
  private readonly alertCursor = new AlertCursor();
  private office: Office | null = null;
  private patrol: DronePatrolPanel | null = null;
  /** What this server serves; set from the session at start (none until then). */
  private features = new Features([]);

  constructor(
    private readonly root: HTMLElement,
    private readonly api: ApiClient,
    private readonly onLogout: () => void,
  ) {}

  async start(session: Session): Promise<void> {
    this.store.user = session.user;
    this.features = new Features(session.features);
    if (!consoleFor(session)) {
      this.office = renderOffice(this.root, this.api, session, this.features, this.onLogout);
      return;
    }
    try {
      this.store.site = await this.api.site();
    } catch (error) {
      console.warn("site unavailable", error);
    }
    this.layout(session);
    await Promise.all([this.map?.start(), this.resync()]);
    this.live = new LiveFeed(
      this.api.liveUrl(),
      {
        message: (message) => this.onLive(message),
        state: (state) => this.store.setConnection(state),
        resync: () => void this.resync(),
      },
      () => this.alertCursor.query(),
    );
    this.live.start();
    this.timers.push(window.setInterval(() => this.store.expireTracks(Date.now()), 1000));
  }

  stop(): void {
    this.live?.stop();
    this.patrol?.stop();
    this.office?.stop();
    for (const timer of this.timers) window.clearInterval(timer);
    this.cameras?.setVisible(false);
    if (this.keyHandler) window.removeEventListener("keydown", this.keyHandler);
  }

  private layout(session: Session): void {
    const connection = h("span", { class: "conn conn-offline", "data-testid": "connection-state" }, "OFFLINE");
    this.store.on("connection", () => {
      connection.textContent = CONNECTION_LABELS[this.store.connection];
      connection.className = `conn conn-${this.store.connection}`;
      connection.dataset.state = this.store.connection;
    });
    const logout = h("button", { type: "button", class: "link", "data-testid": "logout" }, "Sign out");
    logout.addEventListener("click", () => {
      void this.api
        .logout()
        .catch(() => undefined)
        .finally(() => this.onLogout());
    });
    const header = h(
      "header",
      { class: "topbar" },
      h("span", { class: "brand" }, "KORDON"),
      h("span", { class: "site", "data-testid": "site-name" }, this.store.site?.name ?? "site unavailable"),
      connection,
    );
    this.office = new Office(this.api, session.user, true, this.features);
    header.append(this.office.nav);
    this.alerts = new AlertCentre(this.store, header, (id) => this.open(id));
    header.append(
      ...this.alerts.elements(),
      h("span", { class: "spacer" }),
      h("span", { class: "user" }, `${session.user.username} · ${session.user.role}`),
      logout,
    );
    const queuePane = h("section", { class: "queue panel" });
    const mapPane = h("section", { class: "map", "data-testid": "map" });
    const side = h("section", { class: "side panel" });
    const tabBar = h("nav", { class: "tabs" });
    for (const [tab, label, key] of this.features.tabs()) {
      const button = h("button", { type: "button", "data-testid": `tab-${tab}` }, label, h("kbd", {}, key));
      button.addEventListener("click", () => this.showTab(tab));
      const pane = h("div", { class: `tab-pane tab-${tab}` });
      this.tabs.set(tab, { button, pane });
      tabBar.append(button);
    }
    side.append(tabBar, ...[...this.tabs.values()].map((t) => t.pane));
    this.root.replaceChildren(
      h("div", { class: "console", "data-testid": "console" }, header, queuePane, mapPane, side, this.toastBox, this.office.page),
    );

    const toast = (text: string, error = false): void => this.toast(text, error);
    this.queue = new IncidentQueue(queuePane, this.store, (id) => this.open(id), this.features.keyHints());
    this.detail = new DetailPane(this.tabs.get("incident")!.pane, this.api, this.store, toast, this.features);
    this.cameras = new CameraPanel(this.tabs.get("cameras")!.pane, this.api, this.store);
    const health = new HealthPanel(this.tabs.get("health")!.pane, this.store);
    if (this.features.central()) {
      new OutpostsPanel(this.tabs.get("health")!.pane, new CentralClient(this.api), mayReadAudit(session.user.role)).mount();
    }
    this.map = new MapView(mapPane, this.api, this.store, (id) => this.open(id), this.features.has("units"));
    this.detail.setRouteOverlay(this.map.routeOverlay());
    const dronePane = this.tabs.get("drones")?.pane;
    if (dronePane) {
      const patrol = new DronePatrolPanel(this.api, session.user, this.map.patrolOverlay(), toast);
      this.patrol = patrol;
      dronePane.append(patrol.element);
      this.map.setDronePopup((id, close) => patrol.popupContent(id, () => (close(), this.showTab("drones"))));
      patrol.mount();
    }
    this.alerts.mount();
    this.queue.mount();
    this.detail.mount();
    this.cameras.mount();
    health.mount();
    new StatsPanel(this.tabs.get("health")!.pane, this.api).mount();
    this.showTab("incident");
    this.office.start();
    this.keyHandler = (event) => this.onKey(event);
    window.addEventListener("keydown", this.keyHandler);
  }

  private showTab(tab: Tab): void {
    for (const [name, { button, pane }] of this.tabs) {
      button.classList.toggle("active", name === tab);
      pane.hidden = name !== tab;
    }
    this.cameras?.setVisible(tab === "cameras");
  }

  /** Opens an incident: select it, show its detail, centre the map on it. */
  private open(id: string): void {
    this.office?.showConsole();
    this.store.select(id);
    this.showTab("incident");
    const incident = this.store.incidents.get(id);
    if (incident && incident.lat !== null && incident.lon !== null) this.map?.flyTo(incident.lon, incident.lat);
  }

  private onKey(event: KeyboardEvent): void {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (activatingControl(event)) return;
    if (this.detail?.handlePromptKey(event.key) || this.patrol?.handleKey(event.key)) {
      event.preventDefault();
      return;
    }
    if (typingInField(event)) return;
    if (!this.features.keyServed(event.key)) return; // e.g. no drone keys where no drones are served
    const selected = this.store.selectedId;
    const actions: Record<string, () => void> = {
      j: () => this.queue?.move(1),
      k: () => this.queue?.move(-1),
      ArrowDown: () => this.queue?.move(1),
      ArrowUp: () => this.queue?.move(-1),
      Enter: () => selected && this.open(selected),
      a: () => void this.detail?.acknowledge(),
      d: () => this.showTabThen(() => this.detail?.startDispatch()),
      r: () => this.showTabThen(() => this.detail?.startResolve()),
      c: () => this.showTabThen(() => void this.detail?.close()),
      e: () => this.showTabThen(() => this.detail?.startExport()),
      s: () => this.showTabThen(() => this.detail?.startDroneCue()),
      n: () => this.showTabThen(() => this.detail?.focusNote()),
      "1": () => this.showTab("incident"),
      "2": () => this.showTab("cameras"),
      "3": () => this.showTab("health"),
      "4": () => this.showTab("drones"),
      p: () => (this.showTab("drones"), this.patrol?.start()),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  }

  private showTabThen(action: () => void): void {
    this.showTab("incident");
    action();
  }

  private onLive(message: LiveMessage): void {
    switch (message.type) {
      case "track":
        this.store.upsertTrack(message.data, Date.now());
        break;
      case "incident":
        this.store.upsertIncident(message.data);
        break;
      case "alert":
        if (this.alertCursor.accept(message.data)) this.alerts?.notify(message.data);
        break;
      case "drone":
        this.map?.updateDrone(message.data);
        this.patrol?.updateDrone(message.data);
        break;
      case "aircraft":
        this.map?.updateAircraft(message.data);
        break;
      case "hello":
        if (this.alertCursor.hello(message.data)) this.alerts?.notifyGap();
        break;
      case "device":
        this.store.upsertDevice(message.data);
        break;
      case "event":
      case "pong":
        break;
    }
  }

  /** Refetches lists after a (re)connect, so nothing missed while offline stays missing. */
  private async resync(): Promise<void> {
    const results = await Promise.allSettled([
      this.api.incidents({ limit: 500 }).then((list) => this.store.setIncidents(list)),
      this.api.cameras().then((list) => this.store.setCameras(list)),
      this.api.devices().then((list) => this.store.setDevices(list)),
    ]);
    for (const result of results) if (result.status === "rejected") console.warn("resync failed", result.reason);
  }

  private toast(text: string, error: boolean): void {
    this.toastBox.textContent = text;
    this.toastBox.className = `toast show${error ? " error" : ""}`;
    window.setTimeout(() => {
      if (this.toastBox.textContent === text) this.toastBox.className = "toast";
    }, 4000);
  }
}
