// Which clip of an incident the pane shows: one around each crossing per camera ("crossing
// inbound 12:04:31, cam-1"), then each camera's whole incident; the API marks the default
// (around the most severe crossing, on its own camera).
import { clockZ, kindWords } from "../format";
import type { Clip } from "../types";

export interface ClipChoice {
  id: string;
  label: string;
  /** Seconds from the clip's first frame to the crossing it is cut around (null: whole incident). */
  aroundS: number | null;
}

/** "crossing inbound 12:04:31, cam-1", "whole incident 12:03:10–12:05:40, cam-1". */
export function choiceLabel(clip: Clip): string {
  const around = clip.around;
  if (clip.span === "crossing" && around) {
    const what = around.direction ? `${kindWords(around.kind)} ${around.direction}` : kindWords(around.kind);
    return `${what} ${clockZ(around.time)}, ${clip.camera_id}`;
  }
  return `whole incident ${clockZ(clip.start)}–${clockZ(clip.end)}, ${clip.camera_id}`;
}

/**
 * The choices in the API's order (crossings earliest first, then whole incidents). A
 * camera's whole-incident clip that is the same file as a crossing clip (one crossing) is
 * offered once, as the crossing.
 */
export function clipChoices(clips: readonly Clip[]): ClipChoice[] {
  const crossingIds = new Set(clips.filter((c) => c.span === "crossing").map((c) => c.id));
  const seen = new Set<string>();
  const choices: ClipChoice[] = [];
  for (const clip of clips) {
    if (seen.has(clip.id) || (clip.span !== "crossing" && crossingIds.has(clip.id))) continue;
    seen.add(clip.id);
    const aroundS = clip.span === "crossing" && clip.around ? clip.around.offset_s : null;
    choices.push({ id: clip.id, label: choiceLabel(clip), aroundS });
  }
  return choices;
}

/** The clip to open with: the API's default, else the first. */
export function defaultClipId(clips: readonly Clip[]): string | undefined {
  return (clips.find((c) => c.default) ?? clips[0])?.id;
}
