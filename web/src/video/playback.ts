// Playback by time: a scrubbable timeline of a camera's recorded footage with markers at its
// events and incidents; a click or drag picks a moment, and the recording from there plays
// (served by the node as MP4 chunks of CHUNK_S, the next one loaded when one ends).
import { clear, h } from "../dom";
import type { Incident } from "../types";
import { clockLabel, covered, fractionToTime, nextCovered, ticks, timeToFraction, type Span } from "./timeline";

const CHUNK_S = 120;
const WINDOWS: [string, number][] = [
  ["10 min", 600_000],
  ["1 h", 3_600_000],
  ["6 h", 21_600_000],
  ["24 h", 86_400_000],
];

interface RecordingsAnswer {
  spans: { start: string; end: string; segments: number }[];
  max_playback_s: number;
}

interface EventAnswer {
  id: string;
  kind: string;
  time: string;
  direction: string | null;
  class_name: string | null;
}

interface Marker {
  time: number;
  kind: "event" | "incident";
  title: string;
}

interface Chunk {
  start: number; // POSIX ms of the file's first frame
  end: number;
  url: string;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return (await response.json()) as T;
}

export class PlaybackView {
  readonly element: HTMLDivElement;
  private readonly video: HTMLVideoElement;
  private readonly bar: HTMLDivElement;
  private readonly head: HTMLDivElement;
  private readonly label: HTMLSpanElement;
  private readonly note: HTMLDivElement;
  private cameraId: string | null = null;
  private windowMs = 600_000;
  private window: Span = { start: 0, end: 0 };
  private spans: Span[] = [];
  private markers: Marker[] = [];
  private chunk: Chunk | null = null;
  private maxChunkS = CHUNK_S;
  private loading = 0;
  private dragging = false;

  constructor(private readonly incidents: () => Iterable<Incident>) {
    this.video = h("video", { class: "playback-video", controls: true, muted: true, "data-testid": "playback-video" });
    this.video.muted = true;
    this.head = h("div", { class: "timeline-head" });
    this.bar = h("div", { class: "playback-timeline", "data-testid": "playback-timeline" }, this.head);
    this.label = h("span", { class: "playback-time", "data-testid": "playback-time" }, "—");
    this.note = h("div", { class: "playback-note" });
    const zoom = h("select", { "aria-label": "timeline window" });
    for (const [name, ms] of WINDOWS) {
      const option = h("option", { value: String(ms) }, name);
      option.selected = ms === this.windowMs;
      zoom.append(option);
    }
    zoom.addEventListener("change", () => {
      this.windowMs = Number(zoom.value);
      void this.refresh();
    });
    const now = h("button", { type: "button" }, "Now");
    now.addEventListener("click", () => void this.refresh());
    this.element = h(
      "div",
      { class: "playback", "data-testid": "playback" },
      this.video,
      h("div", { class: "playback-bar" }, zoom, now, this.label),
      this.bar,
      this.note,
    );
    this.bar.addEventListener("pointerdown", (event) => {
      this.dragging = true;
      this.bar.setPointerCapture(event.pointerId);
      this.moveHead(this.timeAt(event.clientX));
    });
    this.bar.addEventListener("pointermove", (event) => {
      if (this.dragging) this.moveHead(this.timeAt(event.clientX));
    });
    this.bar.addEventListener("pointerup", (event) => {
      if (!this.dragging) return;
      this.dragging = false;
      void this.seek(this.timeAt(event.clientX));
    });
    this.video.addEventListener("timeupdate", () => {
      const t = this.playingTime();
      if (t !== null && !this.dragging) this.moveHead(t);
    });
    this.video.addEventListener("ended", () => {
      if (this.chunk) void this.seek(this.chunk.end);
    });
  }

  /** Show `cameraId`'s last window of footage (reloads the spans and markers). */
  async show(cameraId: string): Promise<void> {
    this.cameraId = cameraId;
    await this.refresh();
  }

  stop(): void {
    this.video.pause();
    this.releaseChunk();
  }

  /** The wall time (POSIX ms) of the frame on screen, or null when nothing is loaded. */
  playingTime(): number | null {
    return this.chunk ? this.chunk.start + this.video.currentTime * 1000 : null;
  }

  async refresh(): Promise<void> {
    const cameraId = this.cameraId;
    if (!cameraId) return;
    const end = Date.now();
    this.window = { start: end - this.windowMs, end };
    const params = new URLSearchParams({
      start: new Date(this.window.start).toISOString(),
      end: new Date(this.window.end).toISOString(),
    });
    const base = `/api/cameras/${encodeURIComponent(cameraId)}`;
    try {
      const answer = await getJson<RecordingsAnswer>(`${base}/recordings?${params.toString()}`);
      this.maxChunkS = Math.min(CHUNK_S, answer.max_playback_s || CHUNK_S);
      this.spans = answer.spans.map((s) => ({ start: Date.parse(s.start), end: Date.parse(s.end) }));
      this.note.textContent = this.spans.length ? "" : "Nothing recorded in this window.";
    } catch (error) {
      this.spans = [];
      this.note.textContent = `Recordings unavailable: ${String(error)}`;
    }
    this.markers = await this.loadMarkers(cameraId);
    this.render();
  }

  private async loadMarkers(cameraId: string): Promise<Marker[]> {
    const markers: Marker[] = [];
    const params = new URLSearchParams({
      camera: cameraId,
      since: new Date(this.window.start).toISOString(),
      until: new Date(this.window.end).toISOString(),
      limit: "500",
    });
    try {
      for (const event of await getJson<EventAnswer[]>(`/api/events?${params.toString()}`)) {
        const what = [event.kind.replace(/_/g, " "), event.direction, event.class_name].filter(Boolean).join(", ");
        markers.push({ time: Date.parse(event.time), kind: "event", title: `${clockLabel(Date.parse(event.time))} ${what}` });
      }
    } catch (error) {
      console.warn("events unavailable", error);
    }
    for (const incident of this.incidents()) {
      const time = Date.parse(incident.opened_at);
      if (incident.camera_id === cameraId && time >= this.window.start && time <= this.window.end) {
        markers.push({ time, kind: "incident", title: `${clockLabel(time)} incident: ${incident.title}` });
      }
    }
    return markers;
  }

  private render(): void {
    clear(this.bar);
    for (const span of this.spans) {
      const left = timeToFraction(span.start, this.window) * 100;
      const right = timeToFraction(span.end, this.window) * 100;
      this.bar.append(h("div", { class: "timeline-span", style: `left:${left}%;width:${Math.max(0.2, right - left)}%` }));
    }
    for (const t of ticks(this.window)) {
      const left = timeToFraction(t, this.window) * 100;
      this.bar.append(h("div", { class: "timeline-tick", style: `left:${left}%` }, clockLabel(t).slice(0, 5)));
    }
    for (const marker of this.markers) {
      const left = timeToFraction(marker.time, this.window) * 100;
      const el = h("button", {
        type: "button",
        class: `timeline-marker ${marker.kind}`,
        style: `left:${left}%`,
        title: marker.title,
        "aria-label": marker.title,
        "data-testid": `timeline-${marker.kind}`,
      });
      el.addEventListener("pointerdown", (event) => event.stopPropagation());
      el.addEventListener("click", () => void this.seek(marker.time - 5_000));
      this.bar.append(el);
    }
    this.bar.append(this.head);
    const t = this.playingTime();
    this.moveHead(t ?? this.window.end);
  }

  private timeAt(clientX: number): number {
    const rect = this.bar.getBoundingClientRect();
    return fractionToTime((clientX - rect.left) / Math.max(1, rect.width), this.window);
  }

  private moveHead(t: number): void {
    this.head.style.left = `${timeToFraction(t, this.window) * 100}%`;
    this.label.textContent = `${clockLabel(t)} UTC${covered(t, this.spans) ? "" : " · no footage"}`;
    this.element.dataset.time = String(t);
  }

  /** Play from `t` (or from the next recorded moment after it). */
  async seek(t: number): Promise<void> {
    const cameraId = this.cameraId;
    if (!cameraId) return;
    const chunk = this.chunk;
    if (chunk && t >= chunk.start && t < chunk.end - 500) {
      this.video.currentTime = (t - chunk.start) / 1000;
      void this.video.play().catch(() => undefined);
      return;
    }
    const from = nextCovered(t, this.spans) ?? t;
    const token = ++this.loading;
    const params = new URLSearchParams({
      start: new Date(from).toISOString(),
      end: new Date(from + this.maxChunkS * 1000).toISOString(),
    });
    this.note.textContent = "loading…";
    try {
      const response = await fetch(`/api/cameras/${encodeURIComponent(cameraId)}/playback.mp4?${params.toString()}`, {
        credentials: "same-origin",
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as { detail?: string };
        throw new Error(body.detail ?? `${response.status}`);
      }
      const start = Date.parse(response.headers.get("X-Playback-Start") ?? "") || from;
      const end = Date.parse(response.headers.get("X-Playback-End") ?? "") || from + this.maxChunkS * 1000;
      const blob = await response.blob();
      if (token !== this.loading) return;
      this.releaseChunk();
      this.chunk = { start, end, url: URL.createObjectURL(blob) };
      this.video.src = this.chunk.url;
      this.video.currentTime = Math.max(0, (from - start) / 1000);
      this.note.textContent = "";
      await this.video.play().catch(() => undefined);
    } catch (error) {
      if (token === this.loading) this.note.textContent = `No playback: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private releaseChunk(): void {
    if (this.chunk) URL.revokeObjectURL(this.chunk.url);
    this.chunk = null;
  }
}
