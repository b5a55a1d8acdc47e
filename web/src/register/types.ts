// Types of the register and report APIs (docs/register.md, docs/reports.md).

export const CATEGORIES = [
  "camera",
  "recorder",
  "drone",
  "ground_sensor",
  "radar",
  "body_armour",
  "helmet",
  "vehicle",
  "radio",
  "it",
] as const;
export type Category = (typeof CATEGORIES)[number];

export const STATUSES = ["in_store", "deployed", "issued", "under_repair", "lost", "destroyed"] as const;
export type AssetStatus = (typeof STATUSES)[number];

/** Statuses a logistics officer sets directly (deployed and issued come from deployments and transfers). */
export const SETTABLE_STATUSES = ["in_store", "under_repair", "lost", "destroyed"] as const;
export type SettableStatus = (typeof SETTABLE_STATUSES)[number];

export interface Project {
  id: string;
  name: string;
  donor: string;
  programme: string;
  agreement_no: string;
  amount: string;
  currency: string;
  start_on: string;
  end_on: string;
  check_interval_days: number;
  demo: boolean;
}

export interface Deployment {
  outpost: string;
  sector_id: string | null;
  position: string | null;
  device_id: string | null;
}

export interface Asset {
  id: string;
  serial: string;
  project_id: string;
  line_id: string;
  category: Category;
  model: string;
  vendor: string;
  lot: string | null;
  warranty_until: string | null;
  status: AssetStatus;
  holder_id: string | null;
  deployment: Deployment | null;
  status_report: string | null;
  last_check_at: string | null;
  updated_at: string;
  version: number;
}

export interface AssetPage {
  items: Asset[];
  next_after: string | null;
  total: number;
  total_capped: boolean;
}

export interface AssetHistory {
  id: number;
  time: string;
  recorded_at: string;
  actor: string;
  kind: string;
  data: Record<string, unknown>;
  corrects: number | null;
}

export interface Transfer {
  id: string;
  serial: string;
  from_person: string | null;
  to_person: string | null;
  time: string;
  requested_by: string;
  from_confirmed_at: string | null;
  from_confirmed_by: string | null;
  to_confirmed_at: string | null;
  to_confirmed_by: string | null;
  state: string;
}

export interface Check {
  id: string;
  serial: string;
  time: string;
  checked_by: string;
  lat: number;
  lon: number;
  accuracy_m: number | null;
  photo_url: string;
  photo_sha256: string;
  note: string;
}

export interface AssetDetail {
  asset: Asset;
  project: Project;
  unit_cost: string;
  holder: string | null;
  history: AssetHistory[];
  transfers: Transfer[];
  checks: Check[];
}

export interface Outage {
  start: string;
  end: string;
  state: string;
  detail: string;
}

export interface Uptime {
  serial: string;
  device_id: string;
  since: string;
  until: string;
  up_s: number;
  down_s: number;
  unknown_s: number;
  ratio: number | null;
  outages: Outage[];
}

export interface AssetQuery {
  project?: string;
  category?: string;
  status?: string;
  sector?: string;
  q?: string;
  after?: string;
  limit?: number;
}

export interface CheckBody {
  lat: number;
  lon: number;
  accuracy_m: number | null;
  note: string;
  photo_base64: string;
}

export type ReportKind = "sector" | "project";
export type ReportFormat = "pdf" | "html";

export interface ReportBody {
  kind: ReportKind;
  from: string;
  to: string;
  format: ReportFormat;
  sector_id?: string;
  project_id?: string;
}

export interface Report {
  id: string;
  url: string;
  kind: string;
  subject: string;
  title: string;
  format: string;
  first_day: string;
  last_day: string;
  sha256: string;
  generated_at: string;
  generated_by: string;
}
