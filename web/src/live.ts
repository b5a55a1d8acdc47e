// The WebSocket live feed: reconnects with capped exponential back-off, pings to notice a dead
// link, and reports its state to the store so the operator always sees whether the map is live.
import type { LiveMessage } from "./types";
import type { ConnectionState } from "./store";

export interface LiveHandlers {
  message(message: LiveMessage): void;
  state(state: ConnectionState): void;
  /** Called after every (re)connect so the caller can refetch what it may have missed. */
  resync(): void;
}

const PING_MS = 15_000;
const MAX_BACKOFF_MS = 10_000;

function isLiveMessage(value: unknown): value is LiveMessage {
  return value !== null && typeof value === "object" && typeof (value as { type?: unknown }).type === "string";
}

export class LiveFeed {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private stopped = true;
  private retryTimer: number | undefined;
  private pingTimer: number | undefined;
  private lastMessageMs = 0;

  constructor(
    private readonly url: string,
    private readonly handlers: LiveHandlers,
    /** Query string for each connection (the alert cursor's resume point). */
    private readonly query: () => string = () => "",
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    window.clearInterval(this.pingTimer);
    this.socket?.close();
    this.socket = null;
    this.handlers.state("offline");
  }

  private connect(): void {
    this.handlers.state(this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = new WebSocket(this.url + this.query());
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      this.lastMessageMs = Date.now();
      this.handlers.state("live");
      this.handlers.resync();
      window.clearInterval(this.pingTimer);
      this.pingTimer = window.setInterval(() => this.ping(), PING_MS);
    });
    socket.addEventListener("message", (event: MessageEvent<unknown>) => {
      this.lastMessageMs = Date.now();
      if (typeof event.data !== "string") return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(event.data);
      } catch {
        console.warn("live feed: message is not JSON");
        return;
      }
      if (isLiveMessage(parsed)) this.handlers.message(parsed);
    });
    socket.addEventListener("close", () => {
      window.clearInterval(this.pingTimer);
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      this.attempt += 1;
      this.handlers.state("reconnecting");
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.attempt, 5));
      this.retryTimer = window.setTimeout(() => this.connect(), delay);
    });
  }

  private ping(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastMessageMs > 3 * PING_MS) {
      socket.close(); // silent for too long: treat as dead, the close handler reconnects
      return;
    }
    socket.send(JSON.stringify({ type: "ping" }));
  }
}
