// The device health panel: one row per device, state colour, age and key metrics.
import { clear, h } from "./dom";
import { age, deviceColour } from "./format";
import type { Store } from "./store";

export class HealthPanel {
  private readonly table = h("table", { class: "health", "data-testid": "health-table" });

  constructor(
    private readonly root: HTMLElement,
    private readonly store: Store,
  ) {}

  mount(): void {
    this.root.append(this.table);
    this.store.on("devices", () => this.render());
    window.setInterval(() => this.render(), 5000);
    this.render();
  }

  private render(): void {
    clear(this.table);
    this.table.append(
      h("thead", {}, h("tr", {}, ...["Device", "State", "Seen", "FPS", "Errors", "Detail"].map((t) => h("th", {}, t)))),
    );
    const body = h("tbody");
    const now = Date.now();
    const devices = [...this.store.devices.values()].sort((a, b) => a.device_id.localeCompare(b.device_id));
    for (const device of devices) {
      const fps = device.metrics.fps;
      const errors = device.metrics.decode_errors;
      body.append(
        h(
          "tr",
          { "data-testid": "device-row", "data-state": device.state },
          h("td", {}, device.device_id),
          h("td", {}, h("span", { class: "dot", style: `background:${deviceColour(device.state)}` }), device.state),
          h("td", {}, age(device.time, now)),
          h("td", { class: "num" }, fps === undefined ? "—" : fps.toFixed(1)),
          h("td", { class: "num" }, errors === undefined ? "—" : String(errors)),
          h("td", { class: "detail" }, device.detail),
        ),
      );
    }
    if (devices.length === 0) body.append(h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No devices reported.")));
    this.table.append(body);
  }
}
