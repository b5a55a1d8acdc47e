// Live video of one camera: fragmented MP4 over a WebSocket into Media Source Extensions,
// with the camera's overlay (tracks, rule lines, border) drawn on a canvas over the video.
//
// Low delay: every fragment is one frame, appended as it arrives; when the buffer runs
// ahead of the play position by more than MAX_LAG_S the player jumps to the live edge, and
// old media is removed so memory stays flat. The server starts each viewer at a keyframe.
// A lost connection is retried with a growing pause; a new "stream" message (camera
// restarted or reconfigured) starts a new MediaSource.
import { h } from "../dom";
import { readClock, cellPx } from "./clock_code";
import { containFit, drawOverlay, OverlayBuffer, type OverlayFrame, type OverlayShape } from "./overlay";

const MAX_LAG_S = 0.6;
const EDGE_S = 0.05;
const KEEP_BEHIND_S = 20;
const MAX_BACKOFF_MS = 15_000;

interface StreamMessage {
  type: "stream";
  camera_id: string;
  mime: string;
  width_px: number;
  height_px: number;
  origin_ms: number;
  masked: boolean;
  shapes: OverlayShape[];
}

interface StatusMessage {
  type: "status";
  state: "waiting" | "error";
  detail: string;
}

type TextMessage = StreamMessage | StatusMessage | ({ type: "overlay" } & OverlayFrame);

export type PlayerState = "connecting" | "waiting" | "playing" | "error" | "unsupported" | "stopped";

export interface LivePlayerOptions {
  label: string;
  overlay: boolean;
  /** Measure glass-to-glass delay from a burned-in clock (benchmarks, tests). */
  readClock?: boolean;
}

export function liveVideoUrl(cameraId: string, base = window.location.href): string {
  const target = new URL(`/api/cameras/${encodeURIComponent(cameraId)}/live`, base);
  target.protocol = target.protocol === "https:" ? "wss:" : "ws:";
  return target.toString();
}

export class LivePlayer {
  readonly element: HTMLDivElement;
  readonly video: HTMLVideoElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly status: HTMLDivElement;
  private ws: WebSocket | null = null;
  private media: MediaSource | null = null;
  private buffer: SourceBuffer | null = null;
  private objectUrl = "";
  private pending: ArrayBuffer[] = [];
  private stream: StreamMessage | null = null;
  private readonly overlays = new OverlayBuffer();
  private stopped = true;
  private attempt = 0;
  private retryTimer: number | undefined;
  private frameRequest = 0;
  private clockCanvas: HTMLCanvasElement | null = null;
  /** Glass-to-glass delays (ms) read from the burned-in clock, when asked to. */
  readonly delaysMs: number[] = [];
  private lastClock = 0;

  constructor(
    private readonly url: string,
    private readonly options: LivePlayerOptions,
  ) {
    this.video = h("video", { class: "live-video", muted: true, playsinline: true, "data-testid": "live-video" });
    this.video.muted = true;
    this.video.autoplay = true;
    this.canvas = h("canvas", { class: "live-overlay" });
    this.status = h("div", { class: "live-status" }, "connecting…");
    this.element = h(
      "div",
      { class: "live-tile", "data-state": "connecting" },
      this.video,
      this.canvas,
      h("div", { class: "live-label" }, options.label),
      this.status,
    );
  }

  get state(): PlayerState {
    return (this.element.dataset.state as PlayerState | undefined) ?? "connecting";
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (typeof window.MediaSource === "undefined") {
      this.setState("unsupported", "this browser cannot play live video (no Media Source Extensions)");
      return;
    }
    this.connect();
    const loop = (): void => {
      this.tick();
      this.frameRequest = window.requestAnimationFrame(loop);
    };
    this.frameRequest = window.requestAnimationFrame(loop);
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    window.cancelAnimationFrame(this.frameRequest);
    this.ws?.close();
    this.ws = null;
    this.resetMedia();
    this.setState("stopped", "stopped");
  }

  private setState(state: PlayerState, text: string): void {
    this.element.dataset.state = state;
    this.status.textContent = text;
    this.status.hidden = state === "playing";
  }

  private connect(): void {
    this.setState("connecting", "connecting…");
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data === "string") this.onText(event.data);
      else this.onBinary(event.data);
    };
    ws.onclose = () => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = null;
      this.attempt += 1;
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.attempt, 5));
      this.setState("error", `connection lost; retrying in ${Math.round(delay / 1000)} s`);
      this.retryTimer = window.setTimeout(() => this.connect(), delay);
    };
  }

  private onText(text: string): void {
    let message: TextMessage;
    try {
      message = JSON.parse(text) as TextMessage;
    } catch {
      return;
    }
    if (message.type === "stream") {
      this.attempt = 0;
      this.stream = message;
      this.element.dataset.masked = String(message.masked);
      this.overlays.clear();
      this.resetMedia();
      this.openMedia(message.mime);
      this.setState("waiting", "starting video…");
    } else if (message.type === "status") {
      if (message.state === "error" || !this.stream) this.setState(message.state, message.detail);
    } else if (message.type === "overlay" && this.options.overlay) {
      this.overlays.push({ time_ms: message.time_ms, tracks: message.tracks });
    }
  }

  private onBinary(data: ArrayBuffer): void {
    this.pending.push(data);
    this.pump();
  }

  private openMedia(mime: string): void {
    if (!MediaSource.isTypeSupported(mime)) {
      this.setState("unsupported", `this browser cannot play ${mime}`);
      return;
    }
    const media = new MediaSource();
    this.media = media;
    this.objectUrl = URL.createObjectURL(media);
    this.video.src = this.objectUrl;
    media.addEventListener("sourceopen", () => {
      if (this.media !== media) return;
      const buffer = media.addSourceBuffer(mime);
      buffer.mode = "segments";
      buffer.addEventListener("updateend", () => this.afterAppend());
      buffer.addEventListener("error", () => this.setState("error", "the video could not be decoded"));
      this.buffer = buffer;
      this.pump();
    });
  }

  private resetMedia(): void {
    this.buffer = null;
    this.pending = [];
    if (this.media && this.media.readyState === "open") {
      try {
        this.media.endOfStream();
      } catch {
        // already ended or being torn down
      }
    }
    this.media = null;
    if (this.objectUrl) {
      this.video.removeAttribute("src");
      this.video.load();
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = "";
    }
  }

  private pump(): void {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || this.pending.length === 0) return;
    const next = this.pending.length === 1 ? this.pending.shift()! : concat(this.pending.splice(0));
    try {
      buffer.appendBuffer(next);
    } catch (error) {
      // QuotaExceeded or a removed buffer: drop what is queued and wait for the next stream
      console.warn("live video append failed", error);
      this.pending = [];
    }
  }

  private afterAppend(): void {
    const buffer = this.buffer;
    if (!buffer) return;
    const ranges = buffer.buffered;
    if (ranges.length > 0) {
      const end = ranges.end(ranges.length - 1);
      const start = ranges.start(ranges.length - 1);
      const now = this.video.currentTime;
      if (now < start || end - now > MAX_LAG_S) this.video.currentTime = Math.max(start, end - EDGE_S);
      if (this.video.paused) void this.video.play().catch(() => undefined);
      if (!buffer.updating && ranges.start(0) < now - KEEP_BEHIND_S * 1.5) {
        buffer.remove(0, now - KEEP_BEHIND_S);
        return; // the removal's updateend appends what is pending
      }
    }
    this.pump();
  }

  /** The wall time (POSIX ms) of the frame on screen, from the server's media origin. */
  displayedWallMs(): number | null {
    return this.stream ? this.stream.origin_ms + this.video.currentTime * 1000 : null;
  }

  private tick(): void {
    const stream = this.stream;
    if (stream && this.video.readyState >= 2 && !this.video.paused && this.state !== "playing") {
      this.setState("playing", "");
    }
    const rect = this.element.getBoundingClientRect();
    const w = Math.round(rect.width);
    const hgt = Math.round(rect.height);
    if (this.canvas.width !== w || this.canvas.height !== hgt) {
      this.canvas.width = w;
      this.canvas.height = hgt;
    }
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    ctx.clearRect(0, 0, w, hgt);
    if (!stream) return;
    if (this.options.overlay) {
      const fit = containFit(stream.width_px, stream.height_px, w, hgt);
      const wall = this.displayedWallMs();
      drawOverlay(ctx, fit, stream.shapes, wall === null ? null : this.overlays.at(wall));
    }
    if (this.options.readClock) this.measure();
  }

  /** Reads the burned-in clock of the frame on screen; records its age once per frame. */
  private measure(): void {
    const width = this.video.videoWidth;
    if (!width || this.video.readyState < 2) return;
    const cell = cellPx(width);
    this.clockCanvas ??= document.createElement("canvas");
    const canvas = this.clockCanvas;
    canvas.width = width;
    canvas.height = cell;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (!ctx) return;
    ctx.drawImage(this.video, 0, 0, width, cell, 0, 0, width, cell);
    const now = Date.now();
    const stamped = readClock(ctx.getImageData(0, 0, width, cell).data, width, now);
    if (stamped === null || stamped === this.lastClock) return;
    this.lastClock = stamped;
    this.delaysMs.push(now - stamped);
    this.element.dataset.delayMs = String(now - stamped);
    this.element.dispatchEvent(new CustomEvent("kordon-live-delay", { bubbles: true, detail: now - stamped }));
  }
}

function concat(parts: ArrayBuffer[]): ArrayBuffer {
  const size = parts.reduce((sum, p) => sum + p.byteLength, 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(new Uint8Array(part), at);
    at += part.byteLength;
  }
  return out.buffer;
}
