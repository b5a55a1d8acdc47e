// WGS84 latitude/longitude to UTM and MGRS (1 m precision), for the cursor readout.
// Transverse Mercator by the Snyder series (mm-level within a zone); MGRS lettering per
// NGA's standard (AA scheme, 100 km column sets by zone mod 3, row offset in even zones).

export interface Utm {
  zone: number;
  band: string;
  easting_m: number;
  northing_m: number;
}

const A = 6_378_137.0;
const F = 1 / 298.257_223_563;
const E2 = F * (2 - F);
const EP2 = E2 / (1 - E2);
const K0 = 0.9996;
const BANDS = "CDEFGHJKLMNPQRSTUVWX";
const COLUMN_SETS = ["STUVWXYZ", "ABCDEFGH", "JKLMNPQR"]; // by zone % 3
const ROWS = "ABCDEFGHJKLMNPQRSTUV";

/** The UTM zone, with the Norway (32V) and Svalbard (31X–37X) exceptions. */
export function utmZone(lat: number, lon: number): number {
  let zone = Math.floor((lon + 180) / 6) + 1;
  if (zone > 60) zone = 60;
  if (lat >= 56 && lat < 64 && lon >= 3 && lon < 12) zone = 32;
  if (lat >= 72 && lat < 84) {
    if (lon >= 0 && lon < 9) zone = 31;
    else if (lon >= 9 && lon < 21) zone = 33;
    else if (lon >= 21 && lon < 33) zone = 35;
    else if (lon >= 33 && lon < 42) zone = 37;
  }
  return zone;
}

/** UTM coordinates of a point between 80°S and 84°N; null outside (polar UPS not done). */
export function toUtm(lat: number, lon: number): Utm | null {
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || lat < -80 || lat >= 84) return null;
  const lonW = ((((lon + 180) % 360) + 360) % 360) - 180;
  const zone = utmZone(lat, lonW);
  const lon0 = ((zone - 1) * 6 - 180 + 3) * (Math.PI / 180);
  const phi = lat * (Math.PI / 180);
  const sin = Math.sin(phi);
  const cos = Math.cos(phi);
  const tan = Math.tan(phi);
  const n = A / Math.sqrt(1 - E2 * sin * sin);
  const t = tan * tan;
  const c = EP2 * cos * cos;
  const a = cos * (lonW * (Math.PI / 180) - lon0);
  const e4 = E2 * E2;
  const e6 = e4 * E2;
  const m =
    A *
    ((1 - E2 / 4 - (3 * e4) / 64 - (5 * e6) / 256) * phi -
      ((3 * E2) / 8 + (3 * e4) / 32 + (45 * e6) / 1024) * Math.sin(2 * phi) +
      ((15 * e4) / 256 + (45 * e6) / 1024) * Math.sin(4 * phi) -
      ((35 * e6) / 3072) * Math.sin(6 * phi));
  const easting =
    K0 * n * (a + ((1 - t + c) * a ** 3) / 6 + ((5 - 18 * t + t * t + 72 * c - 58 * EP2) * a ** 5) / 120) + 500_000;
  let northing =
    K0 *
    (m +
      n *
        tan *
        ((a * a) / 2 +
          ((5 - t + 9 * c + 4 * c * c) * a ** 4) / 24 +
          ((61 - 58 * t + t * t + 600 * c - 330 * EP2) * a ** 6) / 720));
  if (lat < 0) northing += 10_000_000;
  const band = BANDS[Math.min(Math.floor((lat + 80) / 8), BANDS.length - 1)] ?? "X";
  return { zone, band, easting_m: easting, northing_m: northing };
}

/** "35U LT 13217 25563": MGRS at 1 m (digits truncated, as MGRS requires); "—" off-grid. */
export function formatMgrs(lat: number, lon: number): string {
  const utm = toUtm(lat, lon);
  if (!utm) return "—";
  const columns = COLUMN_SETS[utm.zone % 3] ?? "";
  const column = columns[Math.floor(utm.easting_m / 100_000) - 1] ?? "?";
  const rowIndex = (Math.floor(utm.northing_m / 100_000) + (utm.zone % 2 === 0 ? 5 : 0)) % 20;
  const row = ROWS[rowIndex] ?? "?";
  const digits = (v: number): string => String(Math.floor(v) % 100_000).padStart(5, "0");
  return `${utm.zone}${utm.band} ${column}${row} ${digits(utm.easting_m)} ${digits(utm.northing_m)}`;
}

/** "51.65000° N 24.30000° E". */
export function formatLatLon(lat: number, lon: number): string {
  const ns = lat >= 0 ? "N" : "S";
  const ew = lon >= 0 ? "E" : "W";
  return `${Math.abs(lat).toFixed(5)}° ${ns} ${Math.abs(lon).toFixed(5)}° ${ew}`;
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance (m) and initial bearing (degrees from true north, 0–360). */
export function distanceBearing(
  from: [number, number],
  to: [number, number],
): { distance_m: number; bearing_deg: number } {
  const rad = Math.PI / 180;
  const [lon1, lat1] = [from[0] * rad, from[1] * rad];
  const [lon2, lat2] = [to[0] * rad, to[1] * rad];
  const dLat = lat2 - lat1;
  const dLon = lon2 - lon1;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin(dLon / 2) ** 2;
  const distance = 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
  const y = Math.sin(dLon) * Math.cos(lat2);
  const x = Math.cos(lat1) * Math.sin(lat2) - Math.sin(lat1) * Math.cos(lat2) * Math.cos(dLon);
  const bearing = ((Math.atan2(y, x) / rad) % 360 + 360) % 360;
  return { distance_m: distance, bearing_deg: bearing };
}

/** "1.24 km · 047°" (metres below 1 km). */
export function formatDistanceBearing(distance_m: number, bearing_deg: number): string {
  const d = distance_m < 1000 ? `${Math.round(distance_m)} m` : `${(distance_m / 1000).toFixed(2)} km`;
  return `${d} · ${String(Math.round(bearing_deg) % 360).padStart(3, "0")}°`;
}
