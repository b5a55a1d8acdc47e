// The logistics officer's forms: deploy an asset, a correction entry, the delivery's
// documents (upload and list), a CSV/XLSX import with its row-level errors, a bulk transfer.
// Each sends one API request; the API checks everything again (docs/register.md).
import { h } from "../dom";
import type { RegisterApi } from "./client";
import type { AssetDetail, Delivery, ImportResult } from "./types";
import { rowErrors } from "./import_errors";
import { shortTime } from "./text";
import { errorText, field, type Toast } from "./ui";

/** The API's JSON body limit (1 MiB) less room for the other fields, in base64 characters. */
export const UPLOAD_BUDGET_CHARS = 1_000_000;

/** A file's bytes as base64 (chunked: `String.fromCharCode` takes a bounded argument list). */
export async function fileBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

function busy<T>(button: HTMLButtonElement, work: Promise<T>): Promise<T> {
  button.disabled = true;
  return work.finally(() => {
    button.disabled = false;
  });
}

export function deployForm(api: RegisterApi, detail: AssetDetail, done: () => void, toast: Toast): HTMLFormElement {
  const d = detail.asset.deployment;
  const outpost = h("input", { name: "outpost", required: true, maxlength: 128, value: d?.outpost ?? "", "data-testid": "deploy-outpost" });
  const sector = h("input", { name: "sector_id", maxlength: 128, list: "rg-sectors", value: d?.sector_id ?? "", "data-testid": "deploy-sector" });
  const position = h("input", { name: "position", maxlength: 128, value: d?.position ?? "", "data-testid": "deploy-position" });
  const device = h("input", { name: "device_id", maxlength: 128, value: d?.device_id ?? "", placeholder: "networked equipment: its device in the site file", "data-testid": "deploy-device" });
  const submit = h("button", { type: "submit", "data-testid": "deploy-submit" }, d ? "Move" : "Deploy");
  const form = h("form", { class: "rg-form", "data-testid": "deploy-form" }, field("Outpost", outpost), field("Sector", sector), field("Position", position), field("Linked device", device), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const serial = detail.asset.serial;
    const opt = (input: HTMLInputElement): string | null => input.value.trim() || null;
    void busy(submit, api.deploy(serial, { outpost: outpost.value.trim(), sector_id: opt(sector), position: opt(position), device_id: opt(device) }))
      .then(() => {
        toast(`${serial} deployed at ${outpost.value.trim()}`);
        done();
      })
      .catch((error: unknown) => toast(errorText(error), true));
  });
  return form;
}

export function correctionForm(api: RegisterApi, detail: AssetDetail, done: () => void, toast: Toast): HTMLFormElement {
  const a = detail.asset;
  const model = h("input", { name: "model", required: true, maxlength: 128, value: a.model, "data-testid": "correct-model" });
  const vendor = h("input", { name: "vendor", required: true, maxlength: 128, value: a.vendor, "data-testid": "correct-vendor" });
  const lot = h("input", { name: "lot", maxlength: 128, value: a.lot ?? "", "data-testid": "correct-lot" });
  const warranty = h("input", { name: "warranty_until", type: "date", value: a.warranty_until ?? "", "data-testid": "correct-warranty" });
  const entries = detail.history.map((e) => [String(e.id), `#${e.id} ${e.kind} ${shortTime(e.time)}`] as const);
  const corrects = h("select", { name: "corrects", "data-testid": "correct-entry" }, h("option", { value: "" }, "(the details as registered)"), ...entries.map(([v, t]) => h("option", { value: v }, t)));
  const reason = h("textarea", { name: "reason", required: true, rows: 2, maxlength: 2000, placeholder: "Why (kept in the history and the ledger)", "data-testid": "correct-reason" });
  const submit = h("button", { type: "submit", "data-testid": "correct-submit" }, "Add correction");
  const form = h(
    "form",
    { class: "rg-form", "data-testid": "correct-form" },
    field("Model", model),
    field("Vendor", vendor),
    field("Lot", lot),
    field("Warranty until", warranty),
    field("Corrects entry", corrects, "A correction is a new entry; the old one stays."),
    field("Reason", reason),
    submit,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = {
      model: model.value.trim(),
      vendor: vendor.value.trim(),
      lot: lot.value.trim() || null,
      warranty_until: warranty.value || null,
      reason: reason.value.trim(),
      corrects: corrects.value ? Number(corrects.value) : null,
    };
    void busy(submit, api.correct(a.serial, body))
      .then(() => {
        toast(`Correction of ${a.serial} recorded`);
        done();
      })
      .catch((error: unknown) => toast(errorText(error), true));
  });
  return form;
}

/** The delivery an asset came in, its documents, and (editors) an upload. */
export class DocumentsCard {
  readonly element = h("div", { class: "rg-card", "data-testid": "asset-documents" }, h("h3", {}, "Delivery documents"));

  constructor(
    private readonly api: RegisterApi,
    private readonly serial: string,
    private readonly edit: boolean,
    private readonly toast: Toast,
  ) {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.render(await this.api.delivery(this.serial));
    } catch (error) {
      this.element.replaceChildren(h("h3", {}, "Delivery documents"), h("p", { class: "rg-muted" }, errorText(error)));
    }
  }

  private render(delivery: Delivery): void {
    const list =
      delivery.documents.length === 0
        ? h("p", { class: "rg-muted" }, "No documents attached.")
        : h(
            "ul",
            { class: "rg-list-plain", "data-testid": "document-list" },
            ...delivery.documents.map((doc) =>
              h(
                "li",
                {},
                h("a", { href: this.api.url(doc.url), download: doc.name }, doc.name),
                ` ${doc.content_type}, ${Math.ceil(doc.size_bytes / 1024)} KiB, ${doc.attached_by} ${shortTime(doc.attached_at)} `,
                h("span", { class: "rg-mono rg-muted", title: "SHA-256" }, doc.sha256.slice(0, 16)),
              ),
            ),
          );
    this.element.replaceChildren(
      h("h3", {}, "Delivery documents"),
      h("p", {}, `Delivered ${delivery.delivered_on}, received by ${delivery.received_by}${delivery.sources.length ? ` (imported from ${delivery.sources.join(", ")})` : ""}`),
      list,
      ...(this.edit ? [this.upload()] : []),
    );
  }

  private upload(): HTMLFormElement {
    const file = h("input", { type: "file", name: "document", required: true, accept: "application/pdf,image/jpeg,image/png,image/webp", "data-testid": "document-file" });
    const submit = h("button", { type: "submit", "data-testid": "document-submit" }, "Attach");
    const form = h("form", { class: "rg-form" }, field("Attach a document", file, "PDF, JPEG, PNG or WebP; the type is checked from the content."), submit);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const chosen = file.files?.[0];
      if (!chosen) return;
      void busy(
        submit,
        fileBase64(chosen).then((content) => {
          if (content.length > UPLOAD_BUDGET_CHARS) throw new Error(`${chosen.name} is too large to upload (${Math.ceil(chosen.size / 1024)} KiB)`);
          return this.api.attachDocument(this.serial, chosen.name, content);
        }),
      )
        .then((delivery) => {
          this.toast(`${chosen.name} attached`);
          this.render(delivery);
        })
        .catch((error: unknown) => this.toast(errorText(error), true));
    });
    return form;
  }
}

/** The register's tools for editors: an import with its row errors, and a bulk transfer. */
export function registerTools(api: RegisterApi, reload: () => void, toast: Toast): HTMLElement {
  const file = h("input", { type: "file", name: "import", required: true, accept: ".csv,.xlsx,text/csv", "data-testid": "import-file" });
  const importButton = h("button", { type: "submit", "data-testid": "import-submit" }, "Import");
  const outcome = h("div", { "data-testid": "import-outcome", role: "status" });
  const importForm = h("form", { class: "rg-form" }, field("Import CSV or XLSX", file, "All rows or none: a file with errors changes nothing."), importButton);
  importForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = file.files?.[0];
    if (!chosen) return;
    outcome.replaceChildren();
    void busy(
      importButton,
      fileBase64(chosen).then((content) => {
        if (content.length > UPLOAD_BUDGET_CHARS) throw new Error(`${chosen.name} is too large to upload here; use \`kordon register import\``);
        return api.importFile(chosen.name, content);
      }),
    )
      .then((result: ImportResult) => {
        outcome.replaceChildren(h("p", { class: "rg-ok" }, `${chosen.name}: ${result.assets} assets imported (${result.deliveries} deliveries, ${result.lines_created} new procurement lines).`));
        reload();
      })
      .catch((error: unknown) => {
        const text = errorText(error);
        const errors = rowErrors(text, chosen.name);
        const table = errors.length
            ? h(
                "table",
                { class: "rg-table", "data-testid": "import-errors" },
                h("thead", {}, h("tr", {}, ...["Where", "Column", "Reason"].map((t) => h("th", {}, t)))),
                h("tbody", {}, ...errors.map((e) => h("tr", {}, h("td", { "data-label": "Where" }, e.where), h("td", { "data-label": "Column" }, e.column), h("td", { "data-label": "Reason" }, e.reason)))),
              )
            : null;
        outcome.replaceChildren(
          h("p", { class: "rg-error", role: "alert" }, errors.length ? `${chosen.name} was not imported; nothing was written. ${errors.length === 1 ? "One error" : `${errors.length} errors`}:` : text),
          ...(table ? [table] : []),
        );
      });
  });
  const serials = h("textarea", { name: "serials", required: true, rows: 3, placeholder: "Serials, one a line or separated by commas", "data-testid": "bulk-serials" });
  const person = h("input", { name: "to_person", maxlength: 64, placeholder: "Person id; empty: the store", "data-testid": "bulk-to" });
  const bulkButton = h("button", { type: "submit", "data-testid": "bulk-submit" }, "Request transfers");
  const bulkForm = h("form", { class: "rg-form" }, field("Bulk transfer", serials, "Custody of each moves when both sides confirm."), field("To", person), bulkButton);
  bulkForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const list = [...new Set(serials.value.split(/[\s,;]+/).map((s) => s.trim()).filter((s) => s !== ""))];
    if (list.length === 0) return;
    const to = person.value.trim() || null;
    void busy(bulkButton, api.transfer(list, to))
      .then((transfers) => {
        toast(`${transfers.length} transfer${transfers.length === 1 ? "" : "s"} to ${to ?? "the store"} requested`);
        serials.value = "";
        reload();
      })
      .catch((error: unknown) => toast(errorText(error), true));
  });
  return h("details", { class: "rg-card rg-tools", "data-testid": "register-tools" }, h("summary", {}, "Import and bulk transfer"), importForm, outcome, bulkForm);
}
