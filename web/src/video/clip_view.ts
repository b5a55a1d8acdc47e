// An incident clip in the pane: the player and, under it, a bar with a mark at each crossing
// in the clip (click one to see it happen), the playing position, and the crossing in words.
import { h } from "../dom";
import type { Clip } from "../types";
import { clipClock, clipDurationS, clipMarks, markFraction, startOffsetS, withAround, type CrossingAt } from "./clip_marks";

/** A clip cut around one crossing opens a little before it, with that crossing marked. */
export function clipView(clip: Clip, url: string, crossings: readonly CrossingAt[], meta: string): HTMLElement {
  const around = clip.span === "crossing" && clip.around ? clip.around : null;
  const aroundS = around ? around.offset_s : null;
  const marks = withAround(clipMarks(clip, crossings), aroundS, around?.direction ?? "crossing");
  const video = h("video", {
    class: "clip",
    controls: true,
    muted: true,
    preload: "metadata",
    playsinline: true,
    "data-testid": "clip-player",
    "data-clip-id": clip.id,
  });
  video.src = url;
  const crossingS = aroundS ?? marks[0]?.offsetS;
  if (crossingS !== undefined) video.dataset.crossingS = crossingS.toFixed(2);
  const position = h("div", { class: "clip-position" });
  const bar = h("div", { class: "clip-bar", "data-testid": "clip-bar", title: "click to seek" }, position);
  const markButtons = marks.map((mark) => {
    const text = `crossing ${mark.label} at ${clipClock(mark.offsetS)}`;
    const isAround = aroundS !== null && mark.offsetS === aroundS;
    const button = h("button", {
      type: "button",
      class: isAround ? "clip-mark around" : "clip-mark",
      "data-around": isAround ? "true" : "false",
      title: `${text}: play from here`,
      "aria-label": text,
      "data-testid": "clip-crossing",
      "data-offset-s": mark.offsetS.toFixed(2),
    });
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      video.currentTime = mark.offsetS;
      void video.play().catch(() => undefined);
    });
    bar.append(button);
    return { mark, button };
  });
  const layout = (): void => {
    const duration = clipDurationS(clip, video.duration);
    for (const { mark, button } of markButtons) button.style.left = `${markFraction(mark.offsetS, duration) * 100}%`;
    position.style.left = `${markFraction(video.currentTime, duration) * 100}%`;
  };
  bar.addEventListener("click", (event) => {
    const rect = bar.getBoundingClientRect();
    video.currentTime = ((event.clientX - rect.left) / Math.max(1, rect.width)) * clipDurationS(clip, video.duration);
  });
  video.addEventListener("loadedmetadata", () => {
    if (video.currentTime === 0) video.currentTime = startOffsetS(marks, aroundS);
    layout();
  });
  video.addEventListener("timeupdate", layout);
  layout();
  const words = marks.length
    ? marks.map((m) => `▲ ${m.label} at ${clipClock(m.offsetS)}`).join(" · ")
    : "No crossing inside this clip.";
  return h(
    "div",
    { class: "clip-box" },
    h("div", { class: "clip-meta" }, meta),
    video,
    bar,
    h("div", { class: "clip-marks", "data-testid": "clip-marks" }, words),
  );
}
