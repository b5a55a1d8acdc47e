// The alert tone, generated with WebAudio (no audio file to download): a short sine beep,
// a rising double beep for P1. At most one tone per MIN_GAP_MS, however many alerts arrive.

export const MIN_GAP_MS = 1000;

interface Tone {
  hz: number;
  offsetS: number;
}

const P1_TONES: Tone[] = [
  { hz: 880, offsetS: 0 },
  { hz: 1175, offsetS: 0.18 },
];
const OTHER_TONES: Tone[] = [{ hz: 660, offsetS: 0 }];
const BEEP_S = 0.15;

/** The tones of an alert of `priority`. */
export function tonesFor(priority: number): readonly Tone[] {
  return priority <= 1 ? P1_TONES : OTHER_TONES;
}

export class AlertSound {
  private context: AudioContext | null = null;
  private lastMs = Number.NEGATIVE_INFINITY;

  /** Creates or resumes the audio context: browsers allow sound after a click or key press. */
  unlock(): void {
    const context = this.ensure();
    if (context?.state === "suspended") void context.resume().catch(() => undefined);
  }

  /** True while the browser does not let the page make sound yet. */
  blocked(): boolean {
    return this.context === null || this.context.state !== "running";
  }

  /** Plays the tone of `priority` at `volume` (0..1) unless one played less than MIN_GAP_MS ago. */
  play(priority: number, volume: number, nowMs: number): boolean {
    if (volume <= 0 || nowMs - this.lastMs < MIN_GAP_MS) return false;
    const context = this.ensure();
    if (!context) return false;
    if (context.state === "suspended") void context.resume().catch(() => undefined);
    this.lastMs = nowMs;
    for (const tone of tonesFor(priority)) this.beep(context, tone, volume);
    return true;
  }

  private beep(context: AudioContext, tone: Tone, volume: number): void {
    const start = context.currentTime + tone.offsetS;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = tone.hz;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(Math.max(0.0001, 0.5 * volume), start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + BEEP_S);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start);
    oscillator.stop(start + BEEP_S + 0.01);
  }

  private ensure(): AudioContext | null {
    if (this.context) return this.context;
    if (typeof window.AudioContext !== "function") return null;
    try {
      this.context = new AudioContext();
    } catch (error) {
      console.warn("no audio for alerts", error);
      return null;
    }
    return this.context;
  }
}
