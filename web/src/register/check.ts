// The end-use check, made for a phone in the field: the serial (typed, or read from the
// QR label with the camera where the browser can), the GPS fix, a photo (downscaled before
// upload), a note. Nothing is sent until the form is complete.
import { h } from "../dom";
import type { RegisterApi } from "./client";
import { downscalePhoto, type EncodedPhoto } from "./photo";
import { canScan, scanSerial, serialFromCode } from "./qr";
import { errorText, field, type Toast } from "./ui";

interface Fix {
  lat: number;
  lon: number;
  accuracy_m: number | null;
}

export class CheckForm {
  readonly element = h("section", { class: "rg-page rg-check", "data-testid": "register-check" });
  private readonly serial = h("input", {
    name: "serial",
    required: true,
    autocapitalize: "characters",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "Serial on the label",
    "data-testid": "check-serial",
  });
  private readonly scanButton = h("button", { type: "button", "data-testid": "check-scan" }, "Scan QR");
  private readonly video = h("video", { class: "rg-scan-video", playsinline: true, muted: true, hidden: true });
  private readonly gpsText = h("span", { class: "rg-gps", "data-testid": "check-gps" }, "No position yet");
  private readonly gpsButton = h("button", { type: "button", "data-testid": "check-locate" }, "Locate");
  private readonly lat = h("input", { type: "number", step: "any", min: -90, max: 90, placeholder: "lat", "data-testid": "check-lat" });
  private readonly lon = h("input", { type: "number", step: "any", min: -180, max: 180, placeholder: "lon", "data-testid": "check-lon" });
  private readonly photoInput = h("input", { type: "file", accept: "image/*", capture: "environment", "data-testid": "check-photo" });
  private readonly preview = h("img", { class: "rg-preview", alt: "Photo to send", hidden: true, "data-testid": "check-preview" });
  private readonly photoText = h("small", { "data-testid": "check-photo-info" });
  private readonly note = h("textarea", { rows: 3, maxlength: 2000, placeholder: "What you saw (optional)", "data-testid": "check-note" });
  private readonly submit = h("button", { type: "submit", class: "rg-primary rg-big", "data-testid": "check-submit" }, "Record check");
  private readonly result = h("p", { class: "rg-message", role: "status", "data-testid": "check-result" });
  private fix: Fix | null = null;
  private photo: EncodedPhoto | null = null;
  private scanning: AbortController | null = null;

  constructor(
    private readonly api: RegisterApi,
    private readonly toast: Toast,
    private readonly onDone: (serial: string) => void,
    private readonly onBack: (serial: string) => void,
  ) {
    const back = h("button", { type: "button", class: "link" }, "‹ Back");
    back.addEventListener("click", () => this.onBack(serialFromCode(this.serial.value) ?? ""));
    this.scanButton.hidden = !canScan();
    this.scanButton.addEventListener("click", () => void this.scan());
    this.gpsButton.addEventListener("click", () => this.locate());
    this.photoInput.addEventListener("change", () => void this.takePhoto());
    const form = h(
      "form",
      { class: "rg-check-form", novalidate: true },
      field("Serial", h("div", { class: "rg-row" }, this.serial, this.scanButton), canScan() ? undefined : "Type the serial printed under the QR code."),
      this.video,
      field("Position (GPS)", h("div", { class: "rg-row" }, this.gpsText, this.gpsButton)),
      h("details", { class: "rg-manual" }, h("summary", {}, "Enter the position by hand"), h("div", { class: "rg-row" }, this.lat, this.lon)),
      field("Photo of the item and its label", this.photoInput, undefined),
      this.photoText,
      this.preview,
      field("Note", this.note),
      this.submit,
      this.result,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.send();
    });
    this.element.append(h("div", { class: "rg-head" }, back, h("h2", {}, "End-use check")), form);
  }

  /** Opens the form for a serial (empty: the user types or scans it) and asks for the position. */
  show(serial: string): void {
    this.stopScan();
    this.serial.value = serial;
    this.note.value = "";
    this.photoInput.value = "";
    this.clearPhoto();
    this.result.textContent = "";
    this.result.className = "rg-message";
    this.locate();
  }

  hide(): void {
    this.stopScan();
  }

  private locate(): void {
    if (!("geolocation" in navigator)) {
      this.gpsText.textContent = "This browser gives no position: enter it by hand";
      return;
    }
    this.gpsText.textContent = "Locating…";
    this.gpsButton.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        this.gpsButton.disabled = false;
        this.fix = {
          lat: position.coords.latitude,
          lon: position.coords.longitude,
          accuracy_m: Number.isFinite(position.coords.accuracy) ? position.coords.accuracy : null,
        };
        this.lat.value = this.fix.lat.toFixed(6);
        this.lon.value = this.fix.lon.toFixed(6);
        const accuracy = this.fix.accuracy_m !== null ? ` ±${Math.round(this.fix.accuracy_m)} m` : "";
        this.gpsText.textContent = `${this.fix.lat.toFixed(5)}, ${this.fix.lon.toFixed(5)}${accuracy}`;
        this.gpsText.dataset.state = "ok";
      },
      (error) => {
        this.gpsButton.disabled = false;
        this.gpsText.dataset.state = "error";
        this.gpsText.textContent =
          error.code === error.PERMISSION_DENIED ? "Position refused: allow it, or enter it by hand" : `No position (${error.message})`;
      },
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 30_000 },
    );
  }

  private async scan(): Promise<void> {
    if (this.scanning) {
      this.stopScan();
      return;
    }
    const controller = new AbortController();
    this.scanning = controller;
    this.video.hidden = false;
    this.scanButton.textContent = "Stop";
    try {
      const serial = await scanSerial(this.video, controller.signal);
      this.serial.value = serial;
      this.toast(`Label read: ${serial}`);
    } catch (error) {
      if (!(error instanceof DOMException && error.name === "AbortError")) this.toast(`Cannot scan: ${errorText(error)}`, true);
    } finally {
      if (this.scanning === controller) this.scanning = null;
      this.video.hidden = true;
      this.scanButton.textContent = "Scan QR";
    }
  }

  private stopScan(): void {
    this.scanning?.abort();
    this.scanning = null;
  }

  private clearPhoto(): void {
    if (this.photo) URL.revokeObjectURL(this.photo.previewUrl);
    this.photo = null;
    this.preview.hidden = true;
    this.preview.removeAttribute("src");
    this.photoText.textContent = "";
  }

  private async takePhoto(): Promise<void> {
    this.clearPhoto();
    const file = this.photoInput.files?.[0];
    if (!file) return;
    this.photoText.textContent = "Preparing the photo…";
    this.submit.disabled = true;
    try {
      const photo = await downscalePhoto(file);
      this.photo = photo;
      this.preview.src = photo.previewUrl;
      this.preview.hidden = false;
      this.photoText.textContent = `${photo.size.width}×${photo.size.height} JPEG, ${Math.round(photo.bytes / 1024)} KiB`;
      this.photoText.dataset.state = "ok";
    } catch (error) {
      this.photoInput.value = "";
      this.photoText.textContent = errorText(error);
      this.photoText.dataset.state = "error";
    } finally {
      this.submit.disabled = false;
    }
  }

  private position(): Fix | null {
    const lat = Number.parseFloat(this.lat.value);
    const lon = Number.parseFloat(this.lon.value);
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    // a fix typed over the GPS one has no known accuracy
    const same = this.fix !== null && Math.abs(this.fix.lat - lat) < 1e-6 && Math.abs(this.fix.lon - lon) < 1e-6;
    return { lat, lon, accuracy_m: same ? (this.fix?.accuracy_m ?? null) : null };
  }

  private async send(): Promise<void> {
    const serial = serialFromCode(this.serial.value);
    const fix = this.position();
    const missing = [!serial && "a valid serial", !fix && "a position", !this.photo && "a photo"].filter(Boolean);
    if (!serial || !fix || !this.photo) {
      this.result.textContent = `Still needed: ${missing.join(", ")}.`;
      this.result.className = "rg-message rg-error";
      return;
    }
    this.submit.disabled = true;
    this.result.textContent = "Sending…";
    this.result.className = "rg-message";
    try {
      const check = await this.api.check(serial, { ...fix, note: this.note.value.trim(), photo_base64: this.photo.base64 });
      this.result.textContent = `Check of ${check.serial} recorded.`;
      this.result.className = "rg-message rg-ok";
      this.toast(`End-use check of ${check.serial} recorded`);
      this.onDone(check.serial);
    } catch (error) {
      this.result.textContent = `Not recorded: ${errorText(error)}`;
      this.result.className = "rg-message rg-error";
    } finally {
      this.submit.disabled = false;
    }
  }
}
