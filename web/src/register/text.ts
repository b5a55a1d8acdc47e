// Words for the register pages: labels of categories and statuses, one line per history
// entry, times. Pure functions (unit-tested in web/tests/register_text.test.mjs).

const LABELS: Record<string, string> = {
  camera: "Camera",
  recorder: "Recorder",
  drone: "Drone",
  ground_sensor: "Ground sensor",
  radar: "Radar",
  body_armour: "Body armour",
  helmet: "Helmet",
  vehicle: "Vehicle",
  radio: "Radio",
  it: "IT",
  in_store: "In store",
  deployed: "Deployed",
  issued: "Issued",
  under_repair: "Under repair",
  lost: "Lost",
  destroyed: "Destroyed",
};

export function label(value: string): string {
  return LABELS[value] ?? value.replace(/_/g, " ");
}

/** `2026-12-05 07:42` (UTC) of an ISO time; the text itself when it is not one. */
export function shortTime(iso: string | null): string {
  if (!iso) return "—";
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function party(value: unknown): string {
  return str(value) ?? "store";
}

export interface HistoryLike {
  kind: string;
  data: Record<string, unknown>;
  corrects: number | null;
}

/** One line saying what a history entry recorded. */
export function historyText(entry: HistoryLike): string {
  const d = entry.data;
  switch (entry.kind) {
    case "registered": {
      const parts = [`registered as ${label(str(d.status) ?? "in_store")}`];
      if (str(d.delivered_on)) parts.push(`delivered ${str(d.delivered_on)}`);
      if (str(d.received_by)) parts.push(`received by ${str(d.received_by)}`);
      if (str(d.outpost)) parts.push(`at ${str(d.outpost)}`);
      return parts.join(", ");
    }
    case "deployed": {
      const where = [str(d.outpost), str(d.sector_id), str(d.position)].filter(Boolean).join(" / ");
      return `deployed${where ? ` at ${where}` : ""}${str(d.device_id) ? `, linked to ${str(d.device_id)}` : ""}`;
    }
    case "status": {
      const to = str(d.to) ?? str(d.status);
      const report = str(d.report);
      return `status ${to ? label(to) : "changed"}${report ? `: ${report}` : ""}`;
    }
    case "corrected": {
      const reason = str(d.reason);
      const target = entry.corrects !== null ? ` (corrects entry #${entry.corrects})` : "";
      return `details corrected${target}${reason ? `: ${reason}` : ""}`;
    }
    case "transfer_requested":
      return `transfer requested: ${party(d.from)} → ${party(d.to)}`;
    case "transfer_confirmed":
      return `transfer confirmed by the ${str(d.party) === "to" ? "receiving" : "giving"} side (${party(d.by)})`;
    case "transfer_completed":
      return `custody moved: ${party(d.from)} → ${party(d.to)}`;
    case "checked": {
      const lat = typeof d.lat === "number" ? d.lat.toFixed(5) : null;
      const lon = typeof d.lon === "number" ? d.lon.toFixed(5) : null;
      return `end-use check${lat && lon ? ` at ${lat}, ${lon}` : ""}`;
    }
    default:
      return entry.kind.replace(/_/g, " ");
  }
}

/** Where an asset is: its post, or who holds it, or the store. */
export function whereText(asset: {
  status: string;
  holder_id: string | null;
  deployment: { outpost: string; sector_id: string | null; position: string | null } | null;
}): string {
  if (asset.deployment) {
    return [asset.deployment.outpost, asset.deployment.sector_id, asset.deployment.position]
      .filter((p) => p !== null && p !== "")
      .join(" · ");
  }
  if (asset.holder_id) return `held by ${asset.holder_id}`;
  return asset.status === "in_store" || asset.status === "under_repair" ? "store" : "—";
}

/** "1–50 of 123" for a page of a listing (`total` capped at 1,000 by the API). */
export function pageText(first: number, count: number, total: number, capped: boolean): string {
  if (count === 0) return "no assets";
  return `${first}–${first + count - 1} of ${total}${capped ? "+" : ""}`;
}

/** "45 s", "12 min", "3.5 h" of a duration in seconds. */
export function durationText(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
