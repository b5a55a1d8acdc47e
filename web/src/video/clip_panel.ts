// The incident pane's clips: a chooser ("crossing inbound 12:04:31, cam-1" …, "whole
// incident …") over one player (clip_view.ts). The listing grows as post-rolls are recorded:
// new clips join the chooser and the player keeps what it plays, so nothing moves under the
// operator; the first listing opens the API's default (the most severe crossing ready).
import { clear, h } from "../dom";
import type { Clip } from "../types";
import { clipChoices, defaultClipId } from "./clip_choice";
import type { CrossingAt } from "./clip_marks";
import { clipView } from "./clip_view";
import { clockZ } from "../format";

export interface ClipPanel {
  element: HTMLElement;
  /** Show the incident's current listing (the crossings mark the clips' bars). */
  update(clips: readonly Clip[], crossings: readonly CrossingAt[]): void;
}

export function clipPanel(clipUrl: (clip: Clip) => string): ClipPanel {
  const title = h("h3", {}, "Clips");
  const chooser = h("select", {
    class: "clip-choice",
    "data-testid": "clip-choice",
    "aria-label": "clip to play",
    title: "clip to play",
  });
  const player = h("div", { class: "clip-player-box" });
  const element = h("div", { class: "clip-panel" }, title, chooser, player);
  let byId = new Map<string, Clip>();
  let crossingsNow: readonly CrossingAt[] = [];
  let shownId = "";
  let listed = "";

  const show = (id: string): void => {
    const clip = byId.get(id);
    if (!clip || id === shownId) return;
    shownId = id;
    const meta = `${clip.camera_id} · ${clockZ(clip.start)}–${clockZ(clip.end)}`;
    clear(player);
    player.append(clipView(clip, clipUrl(clip), crossingsNow, meta));
  };
  chooser.addEventListener("change", () => show(chooser.value));

  return {
    element,
    update(clips, crossings) {
      crossingsNow = crossings;
      // Unchanged listing: leave the chooser alone (it may be open under the operator's hand).
      const signature = clips.map((c) => `${c.id}${c.default ? "*" : ""}`).join(" ");
      if (signature === listed) return;
      listed = signature;
      const choices = clipChoices(clips);
      const offered = new Set(choices.map((c) => c.id));
      byId = new Map(clips.filter((c) => offered.has(c.id)).map((c) => [c.id, c]));
      const defaultId = defaultClipId(clips.filter((c) => offered.has(c.id)));
      clear(chooser);
      for (const choice of choices) {
        const severe = choice.id === defaultId && choice.aroundS !== null;
        const label = severe ? `${choice.label} (most severe)` : choice.label;
        chooser.append(h("option", { value: choice.id }, label));
      }
      title.textContent = `Clips (${choices.length})`;
      if (!shownId || !byId.has(shownId)) {
        shownId = "";
        if (defaultId) show(defaultId);
      }
      chooser.value = shownId;
    },
  };
}
