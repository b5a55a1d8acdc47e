// Evidence export from the incident pane: the operator gives a reason (required; the node
// audits it with the export), the node builds the signed bundle, and the pane offers it for
// download with its SHA-256 and how to verify it offline.
import type { ApiClient } from "./api";
import { h } from "./dom";
import type { ExportAnswer } from "./types";

/** Roles that hold the export permission (the API checks it again). */
export const EXPORTERS: ReadonlySet<string> = new Set(["supervisor", "admin"]);

/** The prompt's contents: a reason field, the choice of a privacy-masked copy of the video
 * (re-encoded with the cameras' privacy masks, marked in the manifest as derived; the
 * original stays in the bundle as recorded) and a create button. */
export function exportForm(
  onSubmit: (reason: string, maskedVideo: boolean) => void,
  onCancel: () => void,
): HTMLElement[] {
  const reason = h("input", {
    type: "text",
    class: "export-reason",
    maxlength: 1000,
    placeholder: "Reason for the export (required, audited)",
    "aria-label": "reason for the export",
    "data-testid": "export-reason",
  });
  const masked = h("input", { type: "checkbox", "data-testid": "export-masked" });
  const maskedLabel = h(
    "label",
    { class: "export-masked", title: "Adds a copy of each clip with the privacy masks drawn in; the original is kept" },
    masked,
    " masked video copy",
  );
  const create = h("button", { type: "button", "data-testid": "export-create" }, "Create bundle");
  const submit = (): void => {
    const text = reason.value.trim();
    if (!text) {
      reason.classList.add("invalid");
      reason.focus();
      return;
    }
    create.disabled = true;
    onSubmit(text, masked.checked);
  };
  reason.addEventListener("input", () => reason.classList.remove("invalid"));
  reason.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape") {
      onCancel();
    }
  });
  create.addEventListener("click", submit);
  window.setTimeout(() => reason.focus(), 0);
  return [
    h("span", {}, "Export evidence:"),
    reason,
    maskedLabel,
    create,
    h("span", { class: "hint" }, "Enter creates · Esc cancels"),
  ];
}

/** The finished bundle: a download link, its hash, and the offline check. */
export function exportResult(api: ApiClient, answer: ExportAnswer, reason: string): HTMLElement {
  const file = `${answer.id}.zip`;
  return h(
    "div",
    { class: "export-result", "data-testid": "export-result", "data-export-id": answer.id },
    h("a", { class: "button", href: api.url(answer.url), download: file, "data-testid": "export-download" }, "Download bundle"),
    h(
      "div",
      { class: "hint" },
      `${file} · reason “${reason}”`,
      h("br"),
      "SHA-256 ",
      h("code", { "data-testid": "export-sha256" }, answer.sha256),
      h("br"),
      "Check offline: ",
      h("code", {}, `kordon verify ${file}`),
    ),
  );
}
