// The optional features this server serves: the session answer's `features` (docs/api.md,
// GET /api/auth/me). The console shows the tab, panel, button and key of a feature only when
// the server serves it, and makes no request for the others: the central server serves none
// of them (no drones, units, register or reports there), a node serves what it was built with.
import type { ServerFeature as Feature } from "./types";

export type { Feature };

/** The side panel's tabs. */
export type Tab = "incident" | "cameras" | "health" | "drones";

/** The feature each optional tab needs (the others are always there). */
const TAB_FEATURES: Partial<Record<Tab, Feature>> = { drones: "drones" };

const TABS: [Tab, string, string][] = [
  ["incident", "Incident", "1"],
  ["cameras", "Cameras", "2"],
  ["health", "Health", "3"],
  ["drones", "Drones", "4"],
];

/** The feature each optional console key needs: dispatching needs units, drone keys drones. */
const KEY_FEATURES: Readonly<Record<string, Feature>> = { d: "units", s: "drones", "4": "drones", p: "drones" };

/** The queue's key hints, each with the feature it needs (none: always shown). */
const KEY_HINTS: [string, Feature | null][] = [
  ["j/k move", null],
  ["Enter open", null],
  ["a ack", null],
  ["d dispatch", "units"],
  ["r resolve", null],
  ["c close", null],
  ["e export", null],
  ["n note", null],
  ["s send drone", "drones"],
  ["4 drones", "drones"],
  ["p patrol", "drones"],
];

export class Features {
  private readonly served: ReadonlySet<Feature>;

  constructor(served: readonly Feature[]) {
    this.served = new Set(served);
  }

  has(feature: Feature): boolean {
    return this.served.has(feature);
  }

  /** Whether this is a central server: it lists its outposts, and an action on an incident
   * becomes a command to the incident's outpost (the session's "outposts" feature). */
  central(): boolean {
    return (this.served as ReadonlySet<string>).has("outposts");
  }

  /** The side panel's tabs served here: [tab, label, key]. */
  tabs(): [Tab, string, string][] {
    return TABS.filter(([tab]) => this.serves(TAB_FEATURES[tab]));
  }

  /** Whether a console key acts here (a key of a feature not served does nothing). */
  keyServed(key: string): boolean {
    return this.serves(KEY_FEATURES[key]);
  }

  /** The queue footer's key hints of what is served. */
  keyHints(): string {
    return KEY_HINTS.filter(([, feature]) => this.serves(feature ?? undefined))
      .map(([hint]) => hint)
      .join(" · ");
  }

  private serves(feature: Feature | undefined): boolean {
    return feature === undefined || this.served.has(feature);
  }
}
