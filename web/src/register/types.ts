// Types of the register and report APIs (docs/register.md, docs/reports.md): aliases of the
// types generated from the OpenAPI document (src/api/openapi.gen.ts, `npm run gen:api`).
import type { components } from "../api/openapi.gen";

type Schemas = components["schemas"];

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

export type Project = Schemas["ProjectPublic"];

export type Deployment = Schemas["DeploymentPublic"];

export type Asset = Schemas["AssetPublic"];

export type AssetPage = Schemas["AssetPagePublic"];

export type AssetHistory = Schemas["HistoryPublic"];

export type Transfer = Schemas["TransferPublic"];

export type Check = Schemas["CheckPublic"];

export type AssetDetail = Schemas["AssetDetailPublic"];

export type Outage = Schemas["OutagePublic"];

export type Uptime = Schemas["UptimePublic"];

export interface AssetQuery {
  project?: string;
  category?: string;
  status?: string;
  sector?: string;
  q?: string;
  after?: string;
  limit?: number;
}

export type CheckBody = Schemas["CheckRequest"];

export type DeployBody = Schemas["DeployRequest"];

export type CorrectionBody = Schemas["CorrectionRequest"];

export type Delivery = Schemas["DeliveryPublic"];

export type ImportResult = Schemas["ImportPublic"];

export type ReportKind = "sector" | "project";
export type ReportFormat = "pdf" | "html";

export type ReportBody = Schemas["ReportCreate"];

export type Report = Schemas["ReportPublic"];
