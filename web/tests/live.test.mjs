// Unit checks of web/src/live.ts: reconnect with back-off, resync after every (re)connect, the
// alert cursor's resume point in each URL, dead-link detection by ping. A fake socket and a
// fake clock stand in for the browser: no real timers, no network.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadTs } from "./load_ts.mjs";

const { LiveFeed, backoffMs, PING_MS, SILENCE_MS, MAX_BACKOFF_MS } = await loadTs("live.ts");

/** Timers run only when the test advances the time. */
class FakeClock {
  nowMs = 1_000_000;
  nextHandle = 1;
  timers = new Map(); // handle → {at, every, callback}

  now() {
    return this.nowMs;
  }
  setTimeout(callback, ms) {
    const handle = this.nextHandle++;
    this.timers.set(handle, { at: this.nowMs + ms, every: null, callback });
    return handle;
  }
  setInterval(callback, ms) {
    const handle = this.nextHandle++;
    this.timers.set(handle, { at: this.nowMs + ms, every: ms, callback });
    return handle;
  }
  clearTimeout(handle) {
    this.timers.delete(handle);
  }
  clearInterval(handle) {
    this.timers.delete(handle);
  }
  /** Move the time forward by `ms`, running every timer that falls due, in time order. */
  advance(ms) {
    const end = this.nowMs + ms;
    for (;;) {
      let due = null;
      for (const [handle, timer] of this.timers) if (timer.at <= end && (!due || timer.at < due[1].at)) due = [handle, timer];
      if (!due) break;
      const [handle, timer] = due;
      this.nowMs = timer.at;
      if (timer.every === null) this.timers.delete(handle);
      else timer.at += timer.every;
      timer.callback();
    }
    this.nowMs = end;
  }
}

class FakeSocket {
  readyState = 0; // CONNECTING
  sent = [];
  closeCalls = 0;
  listeners = { open: [], message: [], close: [] };
  constructor(url) {
    this.url = url;
  }
  addEventListener(type, listener) {
    this.listeners[type].push(listener);
  }
  send(data) {
    assert.equal(this.readyState, 1, "send on a socket that is not open");
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closeCalls += 1; // the close event comes later, if ever (serverClosed)
  }
  // what the server or the network does:
  opened() {
    this.readyState = 1;
    for (const listener of this.listeners.open) listener();
  }
  receive(data) {
    for (const listener of this.listeners.message) listener({ data });
  }
  serverClosed() {
    this.readyState = 3;
    for (const listener of this.listeners.close) listener();
  }
}

function rig({ query = () => "" } = {}) {
  const clock = new FakeClock();
  const sockets = [];
  const states = [];
  const messages = [];
  const warnings = [];
  let resyncs = 0;
  const feed = new LiveFeed(
    "ws://node/api/live",
    {
      message: (message) => messages.push(message),
      state: (state) => states.push(state),
      resync: () => (resyncs += 1),
    },
    query,
    {
      open: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      clock,
      warn: (message) => warnings.push(message),
    },
  );
  return { feed, clock, sockets, states, messages, warnings, resyncs: () => resyncs, last: () => sockets.at(-1) };
}

test("back-off doubles from 1 s and stops at 10 s", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 20].map(backoffMs), [1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  assert.equal(MAX_BACKOFF_MS, 10_000);
});

test("connects, goes live and resyncs once the socket opens", () => {
  const r = rig();
  r.feed.start();
  assert.equal(r.sockets.length, 1);
  assert.equal(r.last().url, "ws://node/api/live");
  assert.deepEqual(r.states, ["connecting"]);
  assert.equal(r.resyncs(), 0, "no resync before the socket is open");
  r.last().opened();
  assert.deepEqual(r.states, ["connecting", "live"]);
  assert.equal(r.resyncs(), 1);
});

test("a lost connection reconnects after the back-off, resyncs, and each URL carries the cursor", () => {
  let after = 0;
  const r = rig({ query: () => (after ? `?epoch=e1&after=${after}` : "") });
  r.feed.start();
  r.last().opened();
  after = 7; // alerts taken meanwhile
  r.last().serverClosed();
  assert.equal(r.states.at(-1), "reconnecting");
  r.clock.advance(backoffMs(1) - 1);
  assert.equal(r.sockets.length, 1, "no reconnect before the back-off has passed");
  r.clock.advance(1);
  assert.equal(r.sockets.length, 2);
  assert.equal(r.last().url, "ws://node/api/live?epoch=e1&after=7");
  r.last().opened();
  assert.equal(r.states.at(-1), "live");
  assert.equal(r.resyncs(), 2, "every reconnect resyncs");
});

test("failed attempts back off further; a success starts the back-off again", () => {
  const r = rig();
  r.feed.start();
  const waits = [];
  for (let attempt = 1; attempt <= 6; attempt++) {
    const before = r.sockets.length;
    r.last().serverClosed(); // refused before opening
    const start = r.clock.now();
    while (r.sockets.length === before) r.clock.advance(100);
    waits.push(r.clock.now() - start);
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 10000, 10000]);
  assert.equal(r.resyncs(), 0);
  assert.deepEqual(new Set(r.states), new Set(["connecting", "reconnecting"]));
  r.last().opened();
  r.last().serverClosed();
  const before = r.sockets.length;
  r.clock.advance(backoffMs(1));
  assert.equal(r.sockets.length, before + 1, "after a success the first wait is 1 s again");
});

test("messages are passed on; non-JSON, binary and typeless ones are dropped", () => {
  const r = rig();
  r.feed.start();
  r.last().opened();
  r.last().receive(JSON.stringify({ type: "hello", data: { epoch: "e1", last_alert_seq: 0, replayed: 0, complete: true } }));
  r.last().receive("{not json");
  r.last().receive(new Uint8Array([1, 2]));
  r.last().receive(JSON.stringify({ data: {} }));
  r.last().receive(JSON.stringify([1, 2]));
  r.last().receive("null");
  r.last().receive(JSON.stringify({ type: "pong" }));
  assert.deepEqual(
    r.messages.map((m) => m.type),
    ["hello", "pong"],
  );
  assert.deepEqual(r.warnings, ["live feed: message is not JSON"]);
});

test("pings every 15 s while messages come", () => {
  const r = rig();
  r.feed.start();
  const socket = r.last();
  socket.opened();
  r.clock.advance(PING_MS - 1);
  assert.deepEqual(socket.sent, []);
  r.clock.advance(1);
  assert.deepEqual(socket.sent, [{ type: "ping" }]);
  for (let i = 0; i < 10; i++) {
    socket.receive(JSON.stringify({ type: "pong" }));
    r.clock.advance(PING_MS);
  }
  assert.equal(socket.sent.length, 11);
  assert.equal(socket.closeCalls, 0);
  assert.equal(r.sockets.length, 1);
});

test("a silent link is dropped and replaced without waiting for its close event", () => {
  const r = rig();
  r.feed.start();
  const dead = r.last();
  dead.opened();
  // no message at all: pings at 15 s, 30 s, 45 s; at 60 s the silence is over SILENCE_MS
  r.clock.advance(SILENCE_MS);
  assert.equal(dead.closeCalls, 0);
  assert.equal(dead.sent.length, 3);
  r.clock.advance(PING_MS);
  assert.equal(dead.closeCalls, 1, "the dead socket is closed");
  assert.equal(r.states.at(-1), "reconnecting");
  r.clock.advance(backoffMs(1));
  assert.equal(r.sockets.length, 2, "reconnected though the dead socket never fired close");
  r.last().opened();
  assert.equal(r.resyncs(), 2);
  // the old socket's late close event changes nothing: no second reconnect, pings go on
  dead.serverClosed();
  r.clock.advance(MAX_BACKOFF_MS);
  assert.equal(r.sockets.length, 2);
  assert.equal(r.states.at(-1), "live");
  r.clock.advance(PING_MS);
  assert.ok(r.last().sent.length >= 1, "the new connection still pings");
});

test("stop closes the socket, reports offline and never reconnects", () => {
  const r = rig();
  r.feed.start();
  const socket = r.last();
  socket.opened();
  r.feed.stop();
  assert.equal(socket.closeCalls, 1);
  assert.equal(r.states.at(-1), "offline");
  socket.serverClosed();
  r.clock.advance(10 * MAX_BACKOFF_MS + 10 * PING_MS);
  assert.equal(r.sockets.length, 1);
  assert.deepEqual(socket.sent, []);
  assert.equal(r.clock.timers.size, 0, "no timer left running");
});

test("stop during the back-off cancels the pending reconnect", () => {
  const r = rig();
  r.feed.start();
  r.last().serverClosed();
  r.feed.stop();
  r.clock.advance(10 * MAX_BACKOFF_MS);
  assert.equal(r.sockets.length, 1);
  assert.equal(r.states.at(-1), "offline");
});

test("a restart after stop: the old socket's late close does not break the new connection", () => {
  const r = rig();
  r.feed.start();
  const old = r.last();
  old.opened();
  r.feed.stop();
  r.feed.start();
  const fresh = r.last();
  fresh.opened();
  old.serverClosed(); // arrives after the new connection is up
  r.clock.advance(PING_MS);
  assert.deepEqual(fresh.sent, [{ type: "ping" }], "the new connection's pings survive");
  assert.equal(r.sockets.length, 2);
  assert.equal(r.states.at(-1), "live");
});
