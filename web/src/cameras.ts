// The camera panel: pick a camera, see its latest frame with overlays, refreshed.
import type { ApiClient } from "./api";
import { clear, h } from "./dom";
import { deviceColour } from "./format";
import type { Store } from "./store";

const REFRESH_MS = 1000;

export class CameraPanel {
  private cameraId: string | null = null;
  private tick = 0;
  private timer: number | undefined;
  private loading = false;
  private readonly list = h("div", { class: "camera-list", "data-testid": "camera-list" });
  private readonly image = h("img", { class: "camera-frame", alt: "latest frame", "data-testid": "camera-frame" });
  private readonly caption = h("div", { class: "camera-caption" });

  constructor(
    private readonly root: HTMLElement,
    private readonly api: ApiClient,
    private readonly store: Store,
  ) {}

  mount(): void {
    this.root.append(this.list, this.image, this.caption);
    this.image.addEventListener("load", () => {
      this.loading = false;
      this.image.classList.remove("stale");
    });
    this.image.addEventListener("error", () => {
      this.loading = false;
      this.image.classList.add("stale");
    });
    this.store.on("cameras", () => this.renderList());
    this.renderList();
  }

  /** Refreshes only while visible, and never stacks requests on a slow link. */
  setVisible(visible: boolean): void {
    window.clearInterval(this.timer);
    if (visible) {
      this.refresh();
      this.timer = window.setInterval(() => this.refresh(), REFRESH_MS);
    }
  }

  show(cameraId: string): void {
    this.cameraId = cameraId;
    this.renderList();
    this.refresh();
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
    const current = this.cameraId ? this.store.cameras.get(this.cameraId) : undefined;
    this.caption.textContent = current
      ? `${current.name} · ${current.kind} · sector ${current.sector_id}${current.georeferenced ? "" : " · not georeferenced"}`
      : "";
  }

  private refresh(): void {
    if (!this.cameraId || this.loading) return;
    this.loading = true;
    this.tick += 1;
    this.image.src = this.api.cameraSnapshotUrl(this.cameraId, this.tick);
  }
}
