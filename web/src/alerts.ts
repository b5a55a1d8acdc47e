// Alerts in the console (docs/alerts.md): on each live `alert` message a tone, a flash of the
// top bar and of the incident's queue row, and a banner naming the incident; the settings
// popover (sound, volume, which priorities sound, flash) is kept in localStorage.
import { AlertSound } from "./alert_sound";
import { browserStorage, loadAlertSettings, saveAlertSettings, type AlertSettings } from "./alert_settings";
import { h } from "./dom";
import { ALERT_REASON_LABELS, crossingsText, priorityColour } from "./format";
import type { Store } from "./store";
import type { IncidentAlert } from "./types";

/** How long a flash lasts (the CSS animation `alert-flash` runs this long). */
export const FLASH_MS = 3000;

const PRIORITY_CHOICES: { value: number; label: string }[] = [
  { value: 1, label: "P1 only" },
  { value: 2, label: "P1–P2" },
  { value: 3, label: "P1–P3" },
  { value: 5, label: "every alert" },
];

/** One line naming the alert: "P1 Border crossing person inbound (s3) — crossing, direction change". */
export function alertText(alert: IncidentAlert): string {
  const reasons = alert.reasons.map((r) => ALERT_REASON_LABELS[r]).join(", ");
  const counts = crossingsText(alert.crossings);
  return `P${alert.priority} ${alert.title} — ${reasons}${counts ? ` · ${counts}` : ""}`;
}

export class AlertCentre {
  readonly sound = new AlertSound();
  private received = 0;
  private readonly banner = h("button", {
    type: "button",
    class: "alert-banner",
    hidden: true,
    "data-testid": "alert-banner",
    title: "Open the incident",
  });
  private readonly settingsButton = h(
    "button",
    { type: "button", class: "link", "data-testid": "alert-settings-button", "aria-expanded": "false" },
    "Alerts",
  );
  private readonly panel = h("div", { class: "alert-settings", hidden: true, "data-testid": "alert-settings" });
  private readonly blockedHint = h("span", { class: "hint", "data-testid": "alert-sound-blocked" });

  constructor(
    private readonly store: Store,
    private readonly flashTarget: HTMLElement,
    private readonly onOpen: (id: string) => void,
  ) {}

  /** The elements the top bar shows: the banner, and the settings button with its popover. */
  elements(): HTMLElement[] {
    return [this.banner, h("span", { class: "alert-settings-anchor" }, this.settingsButton, this.panel)];
  }

  mount(): void {
    this.store.setAlertSettings(loadAlertSettings(browserStorage()));
    this.banner.addEventListener("click", () => {
      const id = this.banner.dataset.incidentId;
      this.banner.hidden = true;
      if (id) this.onOpen(id);
    });
    this.settingsButton.addEventListener("click", () => this.togglePanel());
    // Browsers allow sound only after a user gesture on the page.
    const unlock = (): void => {
      this.sound.unlock();
      this.renderBlocked();
    };
    window.addEventListener("pointerdown", unlock, { capture: true });
    window.addEventListener("keydown", unlock, { capture: true });
    this.renderPanel();
  }

  /** A live `alert` message arrived. */
  notify(alert: IncidentAlert, nowMs: number = Date.now()): void {
    this.received += 1;
    this.store.noteAlert(alert, nowMs);
    const settings = this.store.alertSettings;
    this.banner.hidden = false;
    this.banner.textContent = `ALERT ${alertText(alert)}`;
    this.banner.style.setProperty("--prio", priorityColour(alert.priority));
    this.banner.dataset.incidentId = alert.incident_id;
    this.banner.dataset.count = String(this.received);
    this.banner.dataset.priority = String(alert.priority);
    if (settings.flash) {
      restartAnimation(this.banner, "flash");
      restartAnimation(this.flashTarget, "alert-flash");
    }
    if (settings.sound && alert.priority <= settings.soundUpToPriority) {
      this.sound.play(alert.priority, settings.volume, nowMs);
    }
    this.renderBlocked();
  }

  /** The node could not send every alert raised while this browser was away. */
  notifyGap(): void {
    this.banner.hidden = false;
    this.banner.textContent =
      "Connection was lost and not every alert raised meanwhile could be recovered: the queue was reloaded, newest alerts first";
    this.banner.style.setProperty("--prio", priorityColour(2));
    delete this.banner.dataset.incidentId;
    restartAnimation(this.banner, "flash");
  }

  private togglePanel(): void {
    this.panel.hidden = !this.panel.hidden;
    this.settingsButton.setAttribute("aria-expanded", String(!this.panel.hidden));
    this.renderBlocked();
  }

  private update(change: Partial<AlertSettings>): void {
    const settings = { ...this.store.alertSettings, ...change };
    this.store.setAlertSettings(settings);
    saveAlertSettings(browserStorage(), settings);
  }

  private renderPanel(): void {
    const settings = this.store.alertSettings;
    const sound = h("input", { type: "checkbox", "data-testid": "alert-sound", checked: settings.sound });
    sound.addEventListener("change", () => this.update({ sound: sound.checked }));
    const volume = h("input", {
      type: "range",
      min: 0,
      max: 1,
      step: 0.05,
      value: settings.volume,
      "data-testid": "alert-volume",
    });
    volume.addEventListener("change", () => this.update({ volume: Number(volume.value) }));
    const which = h("select", { "data-testid": "alert-sound-priority" });
    for (const choice of PRIORITY_CHOICES) which.append(h("option", { value: choice.value }, choice.label));
    which.value = String(settings.soundUpToPriority);
    which.addEventListener("change", () => this.update({ soundUpToPriority: Number(which.value) }));
    const flash = h("input", { type: "checkbox", "data-testid": "alert-flash", checked: settings.flash });
    flash.addEventListener("change", () => this.update({ flash: flash.checked }));
    const test = h("button", { type: "button", "data-testid": "alert-test" }, "Test tone");
    test.addEventListener("click", () => {
      this.sound.unlock();
      this.sound.play(1, this.store.alertSettings.volume, Date.now());
      this.renderBlocked();
    });
    this.panel.replaceChildren(
      h("label", {}, sound, " Sound"),
      h("label", {}, "Volume ", volume),
      h("label", {}, "Sound for ", which),
      h("label", {}, flash, " Flash"),
      h("div", { class: "row" }, test, this.blockedHint),
    );
  }

  private renderBlocked(): void {
    this.blockedHint.textContent =
      this.store.alertSettings.sound && this.sound.blocked() ? "sound blocked until you click" : "";
  }
}

const flashTimers = new WeakMap<HTMLElement, number>();

/** Re-adds `name` so its CSS animation runs again from the start, and removes it after. */
function restartAnimation(element: HTMLElement, name: string): void {
  window.clearTimeout(flashTimers.get(element));
  element.classList.remove(name);
  void element.offsetWidth; // reflow: the next add starts a new animation
  element.classList.add(name);
  flashTimers.set(
    element,
    window.setTimeout(() => element.classList.remove(name), FLASH_MS),
  );
}
