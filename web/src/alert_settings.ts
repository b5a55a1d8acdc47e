// How this operator wants to be alerted: sound and flash, kept in the browser (localStorage).

export interface AlertSettings {
  /** Play a tone on each alert. */
  sound: boolean;
  /** Tone volume, 0..1. */
  volume: number;
  /** Sound only for alerts of this priority or higher (1 = P1 only, 5 = every alert). */
  soundUpToPriority: number;
  /** Flash the incident's queue row and the top bar. */
  flash: boolean;
}

export const DEFAULT_ALERT_SETTINGS: Readonly<AlertSettings> = {
  sound: true,
  volume: 0.6,
  soundUpToPriority: 5,
  flash: true,
};

export const ALERT_SETTINGS_KEY = "kordon.alertSettings.v1";

/** The part of `Storage` used here (so tests can pass a plain object). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Settings from `stored` JSON; anything missing or malformed falls back to the default. */
export function parseAlertSettings(stored: string | null): AlertSettings {
  const settings: AlertSettings = { ...DEFAULT_ALERT_SETTINGS };
  if (!stored) return settings;
  let raw: unknown;
  try {
    raw = JSON.parse(stored);
  } catch {
    return settings;
  }
  if (raw === null || typeof raw !== "object") return settings;
  const record = raw as Record<string, unknown>;
  if (typeof record.sound === "boolean") settings.sound = record.sound;
  if (typeof record.flash === "boolean") settings.flash = record.flash;
  if (typeof record.volume === "number" && Number.isFinite(record.volume)) settings.volume = clamp(record.volume, 0, 1);
  if (typeof record.soundUpToPriority === "number" && Number.isInteger(record.soundUpToPriority)) {
    settings.soundUpToPriority = clamp(record.soundUpToPriority, 1, 5);
  }
  return settings;
}

export function loadAlertSettings(storage: KeyValueStore | null): AlertSettings {
  try {
    return parseAlertSettings(storage?.getItem(ALERT_SETTINGS_KEY) ?? null);
  } catch {
    return { ...DEFAULT_ALERT_SETTINGS }; // storage disabled by the browser
  }
}

export function saveAlertSettings(storage: KeyValueStore | null, settings: AlertSettings): void {
  try {
    storage?.setItem(ALERT_SETTINGS_KEY, JSON.stringify(settings));
  } catch (error) {
    console.warn("alert settings not saved", error);
  }
}

/** The browser's localStorage, or null where it is unavailable (private mode, policies). */
export function browserStorage(): KeyValueStore | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
