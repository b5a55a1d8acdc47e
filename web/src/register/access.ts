// What each role may do in the register and report pages: a mirror of
// src/kordon/accounts/roles.py and the report rules of docs/reports.md. The server checks
// every request again; this only decides which tabs, forms and choices the UI offers.

export type Permission = "read" | "register_read" | "register_edit" | "register_check";

const PERMISSIONS: Record<string, readonly Permission[]> = {
  operator: ["read"],
  supervisor: ["read"],
  admin: ["read", "register_read", "register_edit", "register_check"],
  auditor: ["read", "register_read"],
  logistics: ["register_read", "register_edit", "register_check"],
  commander: ["read", "register_read", "register_check"],
  donor_auditor: ["register_read"],
};

export interface Account {
  role: string;
  /** Sector ids the user may see; empty means every sector. */
  sectors: readonly string[];
}

export function can(account: Account, permission: Permission): boolean {
  return (PERMISSIONS[account.role] ?? []).includes(permission);
}

/** Whether the operator console (map, incidents, cameras) is for this user. */
export function seesConsole(account: Account): boolean {
  return can(account, "read");
}

export function seesRegister(account: Account): boolean {
  return can(account, "register_read");
}

/** Which kinds of report the user may make: sector reports need `read`; project reports
 * follow the register (a commander only when his account covers every sector). */
export function reportKinds(account: Account): ("sector" | "project")[] {
  const kinds: ("sector" | "project")[] = [];
  if (can(account, "read")) kinds.push("sector");
  const projects =
    account.role === "commander" ? account.sectors.length === 0 : can(account, "register_read");
  if (projects) kinds.push("project");
  return kinds;
}

/** Whether the user may ask for a sector report of every sector (no sector chosen). */
export function mayReportAllSectors(account: Account): boolean {
  return can(account, "read") && account.sectors.length === 0;
}
