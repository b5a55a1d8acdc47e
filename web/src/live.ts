// The WebSocket live feed: reconnects with capped exponential back-off, pings to notice a dead
// link, and reports its state to the store so the operator always sees whether the map is live.
// The socket and the clock are injected (browser ones by default), so tests drive both.
import type { LiveMessage } from "./types";
import type { ConnectionState } from "./store";

export interface LiveHandlers {
  message(message: LiveMessage): void;
  state(state: ConnectionState): void;
  /** Called after every (re)connect so the caller can refetch what it may have missed. */
  resync(): void;
}

/** The part of a WebSocket the feed uses. */
export interface LiveSocket {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: "open" | "close", listener: () => void): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
}

/** Timers and the time, in ms; handles are opaque. */
export interface LiveClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): number;
  clearTimeout(handle: number | undefined): void;
  setInterval(callback: () => void, ms: number): number;
  clearInterval(handle: number | undefined): void;
}

export interface LiveEnvironment {
  open(url: string): LiveSocket;
  clock: LiveClock;
  warn(message: string): void;
}

export const PING_MS = 15_000;
export const MAX_BACKOFF_MS = 10_000;
/** A link silent this long (no message, not even a pong) is taken for dead. */
export const SILENCE_MS = 3 * PING_MS;
const SOCKET_OPEN = 1; // WebSocket.OPEN

/** The wait before reconnect attempt `attempt` (1, 2, …): 1 s, 2 s, 4 s, 8 s, then 10 s. */
export function backoffMs(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempt, 5));
}

export function browserEnvironment(): LiveEnvironment {
  return {
    open: (url) => new WebSocket(url),
    clock: {
      now: () => Date.now(),
      setTimeout: (callback, ms) => window.setTimeout(callback, ms),
      clearTimeout: (handle) => window.clearTimeout(handle),
      setInterval: (callback, ms) => window.setInterval(callback, ms),
      clearInterval: (handle) => window.clearInterval(handle),
    },
    warn: (message) => console.warn(message),
  };
}

function isLiveMessage(value: unknown): value is LiveMessage {
  return value !== null && typeof value === "object" && typeof (value as { type?: unknown }).type === "string";
}

export class LiveFeed {
  private socket: LiveSocket | null = null;
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
    private readonly env: LiveEnvironment = browserEnvironment(),
  ) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.env.clock.clearTimeout(this.retryTimer);
    this.env.clock.clearInterval(this.pingTimer);
    this.socket?.close();
    this.socket = null;
    this.handlers.state("offline");
  }

  private connect(): void {
    const clock = this.env.clock;
    this.handlers.state(this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = this.env.open(this.url + this.query());
    this.socket = socket;
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.lastMessageMs = clock.now();
      this.handlers.state("live");
      this.handlers.resync();
      clock.clearInterval(this.pingTimer);
      this.pingTimer = clock.setInterval(() => this.ping(), PING_MS);
    });
    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      this.lastMessageMs = clock.now();
      if (typeof event.data !== "string") return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(event.data);
      } catch {
        this.env.warn("live feed: message is not JSON");
        return;
      }
      if (isLiveMessage(parsed)) this.handlers.message(parsed);
    });
    socket.addEventListener("close", () => this.lost(socket));
  }

  /** The connection on `socket` ended: reconnect after the back-off (unless stopped or stale). */
  private lost(socket: LiveSocket): void {
    if (this.socket !== socket || this.stopped) return;
    this.env.clock.clearInterval(this.pingTimer);
    this.socket = null;
    this.attempt += 1;
    this.handlers.state("reconnecting");
    this.retryTimer = this.env.clock.setTimeout(() => this.connect(), backoffMs(this.attempt));
  }

  private ping(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== SOCKET_OPEN) return;
    if (this.env.clock.now() - this.lastMessageMs > SILENCE_MS) {
      // Silent for too long: dead. Reconnect now; a half-open link may take minutes to close.
      this.lost(socket);
      socket.close();
      return;
    }
    socket.send(JSON.stringify({ type: "ping" }));
  }
}
