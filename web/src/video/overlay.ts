// What is drawn over a camera's video: track boxes with ids, rule lines, zones and the
// border, in image pixels mapped onto the displayed video (object-fit: contain).

export interface OverlayShape {
  id: string;
  kind: "rule_line" | "zone" | "border";
  points_px: [number, number][];
}

export interface OverlayTrack {
  track_id: number;
  xyxy_px: [number, number, number, number];
  label: string;
  confidence: number;
  confirmed: boolean;
}

export interface OverlayFrame {
  time_ms: number;
  tracks: OverlayTrack[];
}

export interface Fit {
  scale: number;
  dx: number;
  dy: number;
}

/** Where an image of `imageW`×`imageH` lands in a `boxW`×`boxH` element (contain). */
export function containFit(imageW: number, imageH: number, boxW: number, boxH: number): Fit {
  if (imageW <= 0 || imageH <= 0) return { scale: 1, dx: 0, dy: 0 };
  const scale = Math.min(boxW / imageW, boxH / imageH);
  return { scale, dx: (boxW - imageW * scale) / 2, dy: (boxH - imageH * scale) / 2 };
}

/** Keeps recent overlay frames and picks the one shown with the video frame of `wallMs`. */
export class OverlayBuffer {
  private frames: OverlayFrame[] = [];

  constructor(
    private readonly keep = 60,
    private readonly maxAgeMs = 1000,
  ) {}

  push(frame: OverlayFrame): void {
    this.frames.push(frame);
    if (this.frames.length > this.keep) this.frames.splice(0, this.frames.length - this.keep);
  }

  clear(): void {
    this.frames = [];
  }

  /** The newest frame analysed at or before `wallMs` (plus a small tolerance), if recent. */
  at(wallMs: number, toleranceMs = 80): OverlayFrame | null {
    let best: OverlayFrame | null = null;
    for (const frame of this.frames) {
      if (frame.time_ms <= wallMs + toleranceMs && (!best || frame.time_ms > best.time_ms)) best = frame;
    }
    if (!best || wallMs - best.time_ms > this.maxAgeMs) return null;
    return best;
  }
}

const SHAPE_COLOURS: Record<OverlayShape["kind"], string> = {
  rule_line: "#ff4fd8",
  zone: "#4da3ff",
  border: "#ffd400",
};

export function drawOverlay(
  ctx: CanvasRenderingContext2D,
  fit: Fit,
  shapes: OverlayShape[],
  frame: OverlayFrame | null,
): void {
  const px = (x: number, y: number): [number, number] => [fit.dx + x * fit.scale, fit.dy + y * fit.scale];
  ctx.lineWidth = 2;
  for (const shape of shapes) {
    if (shape.points_px.length < 2) continue;
    ctx.strokeStyle = SHAPE_COLOURS[shape.kind];
    ctx.setLineDash(shape.kind === "border" ? [8, 5] : []);
    ctx.beginPath();
    shape.points_px.forEach(([x, y], i) => {
      const [u, v] = px(x, y);
      if (i === 0) ctx.moveTo(u, v);
      else ctx.lineTo(u, v);
    });
    if (shape.kind === "zone") ctx.closePath();
    ctx.stroke();
  }
  ctx.setLineDash([]);
  if (!frame) return;
  ctx.font = "12px ui-monospace, monospace";
  for (const track of frame.tracks) {
    const [x0, y0] = px(track.xyxy_px[0], track.xyxy_px[1]);
    const [x1, y1] = px(track.xyxy_px[2], track.xyxy_px[3]);
    ctx.strokeStyle = track.confirmed ? "#3ccf6e" : "#f5a000";
    ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
    const text = `#${track.track_id} ${track.label}`;
    const w = ctx.measureText(text).width + 6;
    ctx.fillStyle = "rgba(0, 0, 0, 0.65)";
    ctx.fillRect(x0, Math.max(0, y0 - 15), w, 15);
    ctx.fillStyle = "#ffffff";
    ctx.fillText(text, x0 + 3, Math.max(11, y0 - 3));
  }
}
