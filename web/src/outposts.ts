// The central server's outposts: their link health, ledger, commands and devices (GET
// /api/central/outposts), an outpost's audit entries (GET /api/central/outposts/{id}/audit,
// admins and auditors), and the operator commands an action at the centre becomes (POST
// /api/central/incidents/{id}/commands; docs/edge-central.md). Shown only where the session
// lists the "outposts" feature (the central server).
//
// The central routes are not in the node's OpenAPI document (web/src/api/openapi.gen.ts is
// generated from a node), so their types are written here, as the centre's
// kordon.central.link_routes declares them.
import type { ApiClient } from "./api";
import { clear, h } from "./dom";
import { age, clockZ, dateTimeZ, deviceColour } from "./format";
import type { DeviceState, Resolution } from "./types";

export type CommandAction = "acknowledge" | "resolve" | "close" | "note";
export type CommandStatus = "queued" | "sent" | "applied" | "refused" | "expired";

export interface CommandRequest {
  action: CommandAction;
  note?: string;
  resolution?: Resolution;
}

export interface CentralCommand {
  command_id: string;
  edge_id: string;
  incident_id: string;
  action: CommandAction;
  actor: string;
  status: CommandStatus;
  attempts: number;
  issued_at: string;
  last_sent_at: string | null;
  answered_at: string | null;
  reason: string;
  incident_version: number | null;
  message: string;
}

export interface Outpost {
  id: string;
  name: string;
  revoked: boolean;
  last_received_at: string | null;
  link_state: string | null;
  link_detail: string;
  link_time: string | null;
  ledger: { size: number; heads: number; verified_heads: number; latest_head_at: string | null };
  commands_waiting: number;
  commands_refused: number;
  /** How many of its devices are in each state (states with none left out). */
  device_states: Partial<Record<DeviceState, number>>;
  /** Its cameras and sensors as it reported them, by device id. */
  devices: OutpostDevice[];
}

export interface OutpostDevice {
  device_id: string;
  state: DeviceState;
  time: string;
  detail: string;
  metrics: Record<string, number>;
}

/** One entry of an outpost's evidence ledger at the centre (`entry` null: shipped as its hash). */
export interface OutpostLedgerEntry {
  seq: number;
  kind: string;
  leaf_sha256: string;
  received_at: string;
  entry: unknown;
}

const STATE_ORDER: readonly DeviceState[] = ["online", "starting", "degraded", "offline", "stopped"];

/** "2 online · 1 offline" (states in a fixed order; "none reported" when there are none). */
export function deviceSummary(states: Partial<Record<DeviceState, number>>): string {
  const parts = STATE_ORDER.flatMap((state) => {
    const count = states[state] ?? 0;
    return count > 0 ? [`${count} ${state}`] : [];
  });
  return parts.length ? parts.join(" · ") : "none reported";
}

/** Roles that may read an outpost's audit entries (AUDIT_READ; the API checks it again). */
const AUDIT_READERS: ReadonlySet<string> = new Set(["admin", "auditor"]);

export function mayReadAudit(role: string | undefined): boolean {
  return AUDIT_READERS.has(role ?? "");
}

/** A ledger entry in columns: {time, actor, action, subject, outcome}. The entry is the
 * edge's ledger entry as shipped ({seq, time, kind, subject, sha256, payload}); an audit
 * entry's payload holds {actor, action, outcome, details}; another kind (a clip, an export,
 * a hold) shows its payload as JSON in the action column; an entry shipped as its hash
 * (null) or of an unexpected shape says so. */
export interface AuditColumns {
  time: string | null;
  actor: string;
  action: string;
  subject: string;
  outcome: string;
}

export function auditColumns(entry: unknown): AuditColumns {
  const none = { time: null, actor: "", subject: "", outcome: "" };
  if (entry === null) return { ...none, action: "(shipped as its hash)" };
  if (typeof entry !== "object" || Array.isArray(entry)) return { ...none, action: JSON.stringify(entry) };
  const record = entry as Record<string, unknown>;
  const text = (from: Record<string, unknown>, key: string): string => (typeof from[key] === "string" ? from[key] : "");
  const payload = record.payload;
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return { ...none, action: JSON.stringify(entry) };
  const fields = payload as Record<string, unknown>;
  const time = typeof record.time === "string" ? record.time : null;
  const action = text(fields, "action") || JSON.stringify(payload);
  return { time, actor: text(fields, "actor"), action, subject: text(record, "subject"), outcome: text(fields, "outcome") };
}

/** Whether a command has its outpost's last word (no more waiting). */
export function answered(command: CentralCommand): boolean {
  return command.status === "applied" || command.status === "refused" || command.status === "expired";
}

export class CentralClient {
  constructor(private readonly api: ApiClient) {}

  command(incidentId: string, body: CommandRequest): Promise<CentralCommand> {
    return this.api.send<CentralCommand>(
      "POST",
      `/api/central/incidents/${encodeURIComponent(incidentId)}/commands`,
      body,
    );
  }

  commandStatus(commandId: string): Promise<CentralCommand> {
    return this.api.send<CentralCommand>("GET", `/api/central/commands/${encodeURIComponent(commandId)}`);
  }

  outposts(): Promise<Outpost[]> {
    return this.api.send<Outpost[]>("GET", "/api/central/outposts");
  }

  audit(edgeId: string, after = -1, limit = 200): Promise<OutpostLedgerEntry[]> {
    const query = new URLSearchParams({ after: String(after), limit: String(limit) });
    return this.api.send<OutpostLedgerEntry[]>("GET", `/api/central/outposts/${encodeURIComponent(edgeId)}/audit?${query.toString()}`);
  }
}

/** The outposts table of the Health tab at the centre. */
export class OutpostsPanel {
  private readonly table = h("table", { class: "health", "data-testid": "outposts-table" });
  private readonly auditBox = h("div", { class: "outpost-audit", "data-testid": "outpost-audit" });
  private outposts: Outpost[] = [];
  /** The outpost whose audit entries are open ("" for none). */
  private auditEdge = "";
  private auditTicket = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly client: CentralClient,
    /** Whether the user may read audit entries (admin, auditor): an Audit button per outpost. */
    private readonly auditReader = false,
  ) {}

  mount(): void {
    this.root.prepend(h("h3", {}, "Outposts"), this.table, this.auditBox);
    void this.refresh();
    window.setInterval(() => void this.refresh(), 10_000);
  }

  async refresh(): Promise<void> {
    try {
      this.outposts = await this.client.outposts();
    } catch {
      return; // the next refresh tries again; the table keeps what it showed
    }
    this.render();
  }

  private render(): void {
    clear(this.table);
    const heads = ["Outpost", "Link", "Last batch", "Devices", "Ledger", "Commands", "Detail"];
    this.table.append(h("thead", {}, h("tr", {}, ...heads.map((t) => h("th", {}, t)))));
    const body = h("tbody");
    const now = Date.now();
    for (const outpost of this.outposts) {
      // The link's state: online from its first batch, degraded on a refusal; "—" before.
      const state = outpost.revoked ? "revoked" : (outpost.link_state ?? "—");
      const colour = deviceColour(outpost.revoked ? null : (outpost.link_state as DeviceState | null));
      const commands = `${outpost.commands_waiting} waiting` + (outpost.commands_refused ? `, ${outpost.commands_refused} refused` : "");
      body.append(
        h(
          "tr",
          { "data-testid": "outpost-row", "data-outpost": outpost.id, "data-state": state },
          // the Audit button under the name: the row may be wider than the side panel, and
          // the first cell is always in view
          h(
            "td",
            {},
            outpost.name === outpost.id ? outpost.id : `${outpost.name} (${outpost.id})`,
            this.auditReader ? h("br") : null,
            this.auditReader ? this.auditButton(outpost) : null,
          ),
          h("td", {}, h("span", { class: "dot", style: `background:${colour}` }), state),
          h("td", {}, outpost.last_received_at ? age(outpost.last_received_at, now) : "never"),
          h("td", { "data-testid": "outpost-device-summary" }, deviceSummary(outpost.device_states)),
          h("td", { class: "num" }, `${outpost.ledger.size} entries, ${outpost.ledger.verified_heads}/${outpost.ledger.heads} heads`),
          h("td", {}, commands),
          h("td", { class: "detail", title: outpost.link_detail }, outpost.link_detail),
        ),
      );
      if (outpost.devices.length > 0) body.append(this.deviceRow(outpost, now));
    }
    if (this.outposts.length === 0) body.append(h("tr", {}, h("td", { colspan: 7, class: "empty" }, "No outposts listed.")));
    this.table.append(body);
  }

  /** The outpost's devices under its row: each with its state, age and detail. */
  private deviceRow(outpost: Outpost, now: number): HTMLTableRowElement {
    const list = h("ul", { class: "outpost-devices" });
    for (const device of outpost.devices) {
      list.append(
        h(
          "li",
          { "data-testid": "outpost-device", "data-device": device.device_id, "data-state": device.state, title: device.detail || device.state },
          h("span", { class: "dot", style: `background:${deviceColour(device.state)}` }),
          `${device.device_id} ${device.state} · ${age(device.time, now)}`,
          device.detail ? h("span", { class: "detail" }, ` · ${device.detail}`) : null,
        ),
      );
    }
    return h("tr", { class: "outpost-device-row", "data-outpost": outpost.id }, h("td", { colspan: 7 }, list));
  }

  private auditButton(outpost: Outpost): HTMLButtonElement {
    const button = h("button", { type: "button", class: "link-button", "data-testid": "outpost-audit-open", title: `audit entries of ${outpost.id}` }, "Audit");
    button.addEventListener("click", () => void this.openAudit(outpost));
    return button;
  }

  /** The outpost's audit entries (its ledger at the centre), newest page last. */
  private async openAudit(outpost: Outpost): Promise<void> {
    const ticket = ++this.auditTicket;
    this.auditEdge = outpost.id;
    clear(this.auditBox);
    const closeButton = h("button", { type: "button", class: "link-button", "data-testid": "outpost-audit-close" }, "Close");
    closeButton.addEventListener("click", () => {
      this.auditTicket += 1;
      this.auditEdge = "";
      clear(this.auditBox);
    });
    const status = h("p", { class: "empty" }, `Loading the audit entries of ${outpost.name}…`);
    this.auditBox.append(h("div", { class: "pulled-head" }, h("h3", {}, `Audit entries: ${outpost.name} (${outpost.id})`), closeButton), status);
    let entries: OutpostLedgerEntry[];
    try {
      entries = await this.client.audit(outpost.id, -1, 1000);
    } catch (error) {
      if (ticket !== this.auditTicket) return;
      status.textContent = `Audit entries unavailable: ${error instanceof Error ? error.message : String(error)}`;
      return;
    }
    if (ticket !== this.auditTicket || this.auditEdge !== outpost.id) return;
    status.remove();
    const table = h("table", { class: "health", "data-testid": "outpost-audit-table" });
    table.append(h("thead", {}, h("tr", {}, ...["#", "Time", "Kind", "Actor", "Action", "Subject", "Outcome"].map((t) => h("th", {}, t)))));
    const body = h("tbody");
    for (const entry of entries) {
      const { time, actor, action, subject, outcome } = auditColumns(entry.entry);
      body.append(
        h(
          "tr",
          {
            "data-testid": "outpost-audit-row",
            "data-seq": entry.seq,
            title: `received at the centre ${dateTimeZ(entry.received_at)} · leaf ${entry.leaf_sha256}`,
          },
          h("td", { class: "num" }, String(entry.seq)),
          h("td", {}, clockZ(time ?? entry.received_at)),
          h("td", {}, entry.kind),
          h("td", {}, actor),
          h("td", { class: "detail" }, action),
          h("td", { class: "detail" }, subject),
          h("td", {}, outcome),
        ),
      );
    }
    if (entries.length === 0) body.append(h("tr", {}, h("td", { colspan: 7, class: "empty" }, "No audit entries from this outpost yet.")));
    table.append(body);
    this.auditBox.append(table);
    if (entries.length === 1000) this.auditBox.append(h("p", { class: "hint" }, "The first 1,000 entries are shown."));
  }
}
