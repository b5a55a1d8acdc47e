// At the central server, the incident pane's clips: listed by the incident's outpost and
// pulled over the link when the operator asks (pulled_evidence.ts reads the answers).
//
// While the outpost is asked for its listing the panel says so ("asking outpost X…") and asks
// the centre again every POLL_MS. Each listed clip has a Fetch button: its pull's progress
// (received of size) is shown and polled until the centre holds the verified file, which then
// plays here and can be downloaded; a failure shows the reason and a Retry button.
import { clear, h } from "./dom";
import {
  orderedClips,
  progressFraction,
  progressWords,
  pulledClipLabel,
  type ClipListing,
  type PullAnswer,
  type PulledClip,
  type PulledEvidenceClient,
} from "./pulled_evidence";

const POLL_MS = 2000;
/** How long the listing is asked for before the panel offers to ask again (2 minutes). */
const LISTING_POLLS = 60;
/** How long a pull is followed without progress before the panel offers to ask again. */
const STILL_POLLS = 150;

export class PulledClipsPanel {
  readonly element = h("div", { class: "clips pulled-clips", "data-testid": "pulled-clips" });
  private readonly title = h("h3", {}, "Clips (at the outpost)");
  private readonly status = h("p", { class: "empty", "data-testid": "pulled-clips-state" });
  private readonly list = h("ul", { class: "pulled-list", "data-testid": "pulled-clip-list" });
  private readonly player = h("div", { class: "clip-player-box" });
  private closed = false;
  /** Bumped at each new listing request, so an older poll stops. */
  private listingTicket = 0;
  /** The clip being pulled or played (one at a time), and its ticket. */
  private pullTicket = 0;
  private edgeId: string;

  constructor(
    private readonly client: PulledEvidenceClient,
    private readonly incidentId: string,
    edgeId: string | null,
    /** The outpost in words ("Outpost A (tripoint)", or "outpost edge-a" when unnamed). */
    private readonly outpostName: (edgeId: string) => string,
  ) {
    this.edgeId = edgeId ?? "";
    const refresh = h("button", { type: "button", class: "link-button", "data-testid": "pulled-clips-refresh", title: "ask the outpost again" }, "Ask again");
    refresh.addEventListener("click", () => void this.loadListing());
    this.element.append(h("div", { class: "pulled-head" }, this.title, refresh), this.status, this.list, this.player);
  }

  /** Stops every poll (the pane shows another incident). */
  close(): void {
    this.closed = true;
    this.listingTicket += 1;
    this.pullTicket += 1;
  }

  private outpost(): string {
    return this.edgeId ? this.outpostName(this.edgeId) : "the incident's outpost";
  }

  async loadListing(): Promise<void> {
    const ticket = ++this.listingTicket;
    for (let attempt = 0; attempt < LISTING_POLLS; attempt += 1) {
      let listing: ClipListing;
      try {
        listing = await this.client.clips(this.incidentId);
      } catch (error) {
        listing = { state: "refused", status: 0, detail: `the centre did not answer (${String(error)})` };
      }
      if (this.closed || ticket !== this.listingTicket) return;
      if (listing.state === "asking") {
        this.edgeId = listing.edgeId;
        this.setStatus("asking", `Asking ${this.outpost()} for its clips…`);
        await sleep(POLL_MS);
        continue;
      }
      if (listing.state === "refused") {
        this.setStatus("refused", `No clips: ${listing.detail}`);
        return;
      }
      this.showListing(listing.clips);
      return;
    }
    if (ticket === this.listingTicket) this.setStatus("silent", `No answer from ${this.outpost()} yet: ask again later.`);
  }

  private setStatus(state: string, text: string): void {
    this.status.dataset.state = state;
    this.status.textContent = text;
    this.status.hidden = false;
  }

  private showListing(clips: readonly PulledClip[]): void {
    clear(this.list);
    const ordered = orderedClips(clips);
    this.title.textContent = `Clips from ${this.outpost()} (${ordered.length})`;
    if (ordered.length === 0) {
      this.setStatus("empty", `No clip of this incident at ${this.outpost()} yet.`);
      return;
    }
    this.setStatus("listed", "Fetch a clip to pull it from the outpost (it is checked by SHA-256 on arrival).");
    for (const clip of ordered) {
      const progress = h("div", { class: "pull-progress", "data-testid": "pull-progress" });
      const fetch = h("button", { type: "button", "data-testid": "pulled-clip-fetch" }, "Fetch");
      fetch.addEventListener("click", () => void this.pull(clip, progress, false));
      this.list.append(
        h("li", { "data-testid": "pulled-clip", "data-clip-id": clip.id }, h("span", { class: "pulled-label" }, pulledClipLabel(clip)), fetch, progress),
      );
    }
  }

  /** Pulls ``clip`` (or joins its pull), showing progress until the verified file plays. */
  private async pull(clip: PulledClip, box: HTMLElement, retry: boolean): Promise<void> {
    const ticket = ++this.pullTicket;
    await followPull(this.client, clip.url, box, {
      outpost: () => this.outpost(),
      retry,
      current: () => !this.closed && ticket === this.pullTicket,
      ready: () => this.play(clip),
      again: () => void this.pull(clip, box, true),
    });
  }

  private play(clip: PulledClip): void {
    const url = this.client.href(clip.url);
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
    const download = h("a", { href: url, download: `${clip.id}.mp4`, "data-testid": "pulled-clip-download" }, "Download");
    clear(this.player);
    this.player.append(h("div", { class: "clip-meta" }, `${pulledClipLabel(clip)} · from ${this.outpost()}, verified · `, download), video);
  }
}

export interface PullFollow {
  /** The outpost in words, for the progress line. */
  outpost: () => string;
  /** Ask with ``?retry=true`` first (after a failed pull). */
  retry: boolean;
  /** Whether this pull is still wanted (the pane shows it); polling stops when not. */
  current: () => boolean;
  /** The centre holds the verified file: show it. */
  ready: () => void;
  /** The Retry button of a failure. */
  again: () => void;
}

/** Asks the centre for the file at ``url`` every POLL_MS: its progress in ``box`` while it
 * travels, ``ready`` once verified, the reason and a Retry button when it failed. */
export async function followPull(client: PulledEvidenceClient, url: string, box: HTMLElement, follow: PullFollow): Promise<void> {
  let askRetry = follow.retry;
  for (let attempt = 0; attempt < STILL_POLLS; attempt += 1) {
    let answer: PullAnswer;
    try {
      answer = await client.pull(url, askRetry);
    } catch (error) {
      answer = { state: "failed", status: 0, detail: `the centre did not answer (${String(error)})` };
    }
    askRetry = false;
    if (!follow.current()) return;
    if (answer.state === "ready") {
      clear(box);
      box.dataset.state = "done";
      follow.ready();
      return;
    }
    if (answer.state === "failed") {
      showFailure(box, answer.detail, follow.again);
      return;
    }
    const fraction = progressFraction(answer.pull);
    const bar = h("progress", { max: 1, "data-testid": "pull-bar" });
    if (fraction !== null) bar.value = fraction;
    clear(box);
    box.dataset.state = answer.pull.state;
    box.append(bar, h("span", { class: "hint", "data-testid": "pull-words" }, progressWords(answer.pull, follow.outpost())));
    await sleep(POLL_MS);
  }
  if (follow.current()) showFailure(box, `no progress from ${follow.outpost()} for a while`, follow.again);
}

function showFailure(box: HTMLElement, detail: string, again: () => void): void {
  const retry = h("button", { type: "button", "data-testid": "pull-retry" }, "Retry");
  retry.addEventListener("click", again);
  clear(box);
  box.dataset.state = "failed";
  box.append(h("span", { class: "pull-error", "data-testid": "pull-error" }, detail), retry);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}
