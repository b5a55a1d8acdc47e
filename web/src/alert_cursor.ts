// Which alerts this browser has seen: the node run's epoch and the last alert number, so a
// reconnect can ask for exactly the alerts it missed (/api/live?epoch=…&after=N) and
// ignore any it is sent twice (the live feed and the catch-up may overlap).
import type { Hello, IncidentAlert } from "./types";

export class AlertCursor {
  epoch: string | null = null;
  lastSeq = 0;

  /** Query string for the next connection: resume after the last alert seen, if known. */
  query(): string {
    if (this.epoch === null) return "";
    return `?epoch=${encodeURIComponent(this.epoch)}&after=${this.lastSeq}`;
  }

  /** True when `alert` is new to this browser (and remember it); false for a repeat. */
  accept(alert: IncidentAlert): boolean {
    if (alert.seq === null || alert.seq === undefined || !alert.epoch) return true;
    if (alert.epoch === this.epoch && alert.seq <= this.lastSeq) return false;
    if (alert.epoch !== this.epoch) this.epoch = alert.epoch;
    this.lastSeq = alert.seq;
    return true;
  }

  /**
   * Take the server's hello. Returns true when alerts may have been lost (a resume it could
   * not honour): the caller then reloads the queue and tells the operator.
   */
  hello(hello: Hello): boolean {
    const resumed = this.epoch !== null;
    const lost = resumed && !hello.complete;
    if (this.epoch !== hello.epoch || lost) {
      this.epoch = hello.epoch;
      this.lastSeq = hello.last_alert_seq;
    } else {
      this.lastSeq = Math.max(this.lastSeq, hello.last_alert_seq);
    }
    return lost;
  }
}
