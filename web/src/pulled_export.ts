// At the central server, the incident pane's Export prompt: evidence bundles are made at the
// outpost (an operator there gives the reason, audited there), so the centre pulls one by its
// id over the link (docs/edge-central.md, "Evidence on demand"): progress while it travels,
// then a download of the bundle the centre verified by SHA-256; a failure shows the reason and
// a Retry button.
import { clear, h } from "./dom";
import { followPull } from "./pulled_clips";
import { validItemId, type PulledEvidenceClient } from "./pulled_evidence";

export interface ExportPull {
  /** The prompt's contents. */
  elements: HTMLElement[];
  /** Stops following the pull (the prompt closed or another incident is shown). */
  close(): void;
}

export function exportPullForm(
  client: PulledEvidenceClient,
  incidentId: string,
  outpost: () => string,
  onCancel: () => void,
): ExportPull {
  const input = h("input", {
    type: "text",
    class: "export-reason",
    maxlength: 128,
    placeholder: "Bundle id, as the outpost gave it",
    "aria-label": "id of the outpost's evidence bundle",
    "data-testid": "export-pull-id",
  });
  const fetchButton = h("button", { type: "button", "data-testid": "export-pull-fetch" }, "Fetch bundle");
  const box = h("div", { class: "pull-progress", "data-testid": "pull-progress" });
  let ticket = 0;
  const start = (retry: boolean): void => {
    const id = input.value.trim();
    if (!validItemId(id)) {
      input.classList.add("invalid");
      input.title = "a letter or digit, then up to 127 letters, digits and . _ : -";
      input.focus();
      return;
    }
    const mine = ++ticket;
    const url = client.exportUrl(incidentId, id);
    void followPull(client, url, box, {
      outpost,
      retry,
      current: () => mine === ticket,
      ready: () => {
        clear(box);
        box.append(
          h("a", { class: "button", href: client.href(url), download: `${id}.zip`, "data-testid": "export-download" }, "Download bundle"),
          h("span", { class: "hint" }, ` ${id}.zip from ${outpost()}, verified by SHA-256 · check offline: `, h("code", {}, `kordon verify ${id}.zip`)),
        );
      },
      again: () => start(true),
    });
  };
  input.addEventListener("input", () => input.classList.remove("invalid"));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      start(false);
    } else if (event.key === "Escape") {
      onCancel();
    }
  });
  fetchButton.addEventListener("click", () => start(false));
  window.setTimeout(() => input.focus(), 0);
  return {
    elements: [
      h("span", {}, "Bundle from the outpost:"),
      input,
      fetchButton,
      h("span", { class: "hint" }, "bundles are made at the outpost · Esc cancels"),
      box,
    ],
    close: () => {
      ticket += 1;
    },
  };
}
