// Uncertainty ellipses of fused tracks, as polygons in lon/lat (small-area approximation).
import type { TrackEllipse } from "../types";

const M_PER_DEG_LAT = 111_320;

/** The ellipse around (lon, lat) as a closed ring of `points` + 1 [lon, lat] pairs. */
export function ellipseRing(
  lon: number,
  lat: number,
  ellipse: TrackEllipse,
  scale = 1,
  points = 36,
): [number, number][] {
  const theta = (ellipse.bearing_deg * Math.PI) / 180;
  // major axis direction (east, north) for a bearing clockwise from north
  const ue = Math.sin(theta);
  const un = Math.cos(theta);
  const mPerDegLon = M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);
  const ring: [number, number][] = [];
  for (let k = 0; k <= points; k += 1) {
    const a = (2 * Math.PI * (k % points)) / points;
    const major = scale * ellipse.major_m * Math.cos(a);
    const minor = scale * ellipse.minor_m * Math.sin(a);
    const east = major * ue - minor * un;
    const north = major * un + minor * ue;
    ring.push([lon + east / mPerDegLon, lat + north / M_PER_DEG_LAT]);
  }
  return ring;
}

/** A short text of who sees a track: "cam-1 #4, cam-2 #9" (each sensor's latest local id). */
export function sensorsText(sensors: string[] | undefined, localIds: Record<string, string[]> | undefined): string {
  if (!sensors || sensors.length === 0) return "";
  return sensors
    .map((s) => {
      const ids = localIds?.[s] ?? [];
      const last = ids[ids.length - 1] ?? "";
      const local = last.startsWith(`${s}/`) ? last.slice(s.length + 1) : last;
      return local ? `${s} #${local}` : s;
    })
    .join(", ");
}
