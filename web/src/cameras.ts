// The camera panel: live video of the chosen camera with its overlay, a multi-camera grid
// (a video wall over the map), and playback by time on a scrubbable timeline.
// A camera whose live stream cannot play here falls back to its latest snapshot.
import type { ApiClient } from "./api";
import { clear, h } from "./dom";
import { deviceColour } from "./format";
import type { Store } from "./store";
import { LivePlayer, liveVideoUrl } from "./video/live_player";
import { PlaybackView } from "./video/playback";
import "./video/video.css";

type Mode = "live" | "grid" | "playback";

const SNAPSHOT_REFRESH_MS = 1000;
const GRID_MAX = 9;

export class CameraPanel {
  private cameraId: string | null = null;
  private mode: Mode = "live";
  private visible = false;
  private expanded = false;
  private players: LivePlayer[] = [];
  private playback: PlaybackView;
  private snapshotTimer: number | undefined;
  private tick = 0;
  private readonly list = h("div", { class: "camera-list", "data-testid": "camera-list" });
  private readonly modes = h("div", { class: "camera-modes", role: "tablist" });
  private readonly stage = h("div", { class: "camera-stage", "data-testid": "camera-stage" });
  private readonly caption = h("div", { class: "camera-caption" });
  private readonly container = h("div", { class: "camera-panel" });

  constructor(
    private readonly root: HTMLElement,
    private readonly api: ApiClient,
    private readonly store: Store,
  ) {
    this.playback = new PlaybackView(() => this.store.incidents.values());
  }

  mount(): void {
    const labels: [Mode, string][] = [
      ["live", "Live"],
      ["grid", "Grid"],
      ["playback", "Playback"],
    ];
    for (const [mode, label] of labels) {
      const button = h("button", { type: "button", "data-testid": `camera-mode-${mode}`, "data-mode": mode }, label);
      button.addEventListener("click", () => this.setMode(mode));
      this.modes.append(button);
    }
    const expand = h("button", { type: "button", class: "expand", "data-testid": "camera-expand", title: "Show over the map" }, "Expand");
    expand.addEventListener("click", () => {
      this.expanded = !this.expanded;
      expand.classList.toggle("selected", this.expanded);
      this.container.classList.toggle("wall", this.expanded || this.mode === "grid");
    });
    this.modes.append(expand);
    this.container.append(this.list, this.modes, this.stage, this.caption);
    this.root.append(this.container);
    this.store.on("cameras", () => {
      this.renderList();
      if (this.visible && this.players.length === 0 && this.mode !== "playback") this.render();
    });
    this.renderList();
  }

  /** Plays only while visible: leaving the tab closes every stream (and its audit entry). */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    if (visible) this.render();
    else this.teardown();
  }

  show(cameraId: string): void {
    this.cameraId = cameraId;
    this.renderList();
    if (this.visible) this.render();
  }

  private setMode(mode: Mode): void {
    this.mode = mode;
    if (this.visible) this.render();
  }

  private renderList(): void {
    clear(this.list);
    const cameras = [...this.store.cameras.values()];
    if (!this.cameraId && cameras[0]) this.cameraId = cameras[0].id;
    for (const camera of cameras) {
      const state = this.store.devices.get(camera.id)?.state ?? camera.status?.state ?? null;
      const button = h(
        "button",
        { type: "button", class: camera.id === this.cameraId ? "selected" : "", "data-testid": `camera-${camera.id}` },
        h("span", { class: "dot", style: `background:${deviceColour(state)}` }),
        camera.name,
      );
      button.addEventListener("click", () => this.show(camera.id));
      this.list.append(button);
    }
    if (cameras.length === 0) this.list.append(h("p", { class: "empty" }, "No cameras."));
    for (const button of this.modes.querySelectorAll("button")) {
      button.classList.toggle("selected", button.dataset.mode === this.mode);
    }
    const current = this.cameraId ? this.store.cameras.get(this.cameraId) : undefined;
    this.caption.textContent = current
      ? `${current.name} · ${current.kind} · sector ${current.sector_id}${current.georeferenced ? "" : " · not georeferenced"}`
      : "";
  }

  private teardown(): void {
    for (const player of this.players) player.stop();
    this.players = [];
    this.playback.stop();
    window.clearInterval(this.snapshotTimer);
    this.snapshotTimer = undefined;
    this.container.classList.remove("wall");
    clear(this.stage);
  }

  private render(): void {
    this.teardown();
    this.renderList();
    this.container.classList.toggle("wall", this.expanded || this.mode === "grid");
    if (this.mode === "grid") this.renderGrid();
    else if (this.mode === "playback") this.renderPlayback();
    else this.renderLive();
  }

  private player(cameraId: string, label: string): LivePlayer {
    const base = new URL(this.api.url("/"), window.location.href).toString();
    const player = new LivePlayer(liveVideoUrl(cameraId, base), {
      label,
      overlay: true,
      readClock: new URLSearchParams(window.location.search).has("measure-delay"),
    });
    player.element.dataset.camera = cameraId;
    this.players.push(player);
    return player;
  }

  private renderLive(): void {
    const cameraId = this.cameraId;
    if (!cameraId) return;
    const camera = this.store.cameras.get(cameraId);
    const player = this.player(cameraId, camera?.name ?? cameraId);
    const fallback = h("img", { class: "camera-frame", alt: "latest frame", "data-testid": "camera-frame", hidden: true });
    this.stage.append(player.element, fallback);
    player.start();
    // The snapshot stands in while live video is unavailable (no MSE, stream error).
    this.snapshotTimer = window.setInterval(() => {
      const failed = player.state === "unsupported" || player.state === "error";
      fallback.hidden = !failed;
      if (failed) {
        this.tick += 1;
        fallback.src = this.api.cameraSnapshotUrl(cameraId, this.tick);
      }
    }, SNAPSHOT_REFRESH_MS);
  }

  private renderGrid(): void {
    const cameras = [...this.store.cameras.values()].slice(0, GRID_MAX);
    const columns = Math.ceil(Math.sqrt(Math.max(1, cameras.length)));
    const grid = h("div", { class: "camera-grid", style: `grid-template-columns: repeat(${columns}, 1fr)`, "data-testid": "camera-grid" });
    for (const camera of cameras) {
      const player = this.player(camera.id, camera.name);
      player.element.addEventListener("dblclick", () => {
        this.cameraId = camera.id;
        this.setMode("live");
      });
      grid.append(player.element);
      player.start();
    }
    if (cameras.length === 0) grid.append(h("p", { class: "empty" }, "No cameras."));
    this.stage.append(grid);
  }

  private renderPlayback(): void {
    const cameraId = this.cameraId;
    if (!cameraId) return;
    this.stage.append(this.playback.element);
    void this.playback.show(cameraId);
  }
}
