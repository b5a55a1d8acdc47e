"""``OutgoingQueue``: messages waiting for a notifier's link, bounded, thread-safe.

Two classes of message: *replaceable* ones (track positions: a newer one supersedes the
old) and the rest (events, incidents, alerts, device state). When the queue is full, the
oldest replaceable message makes room and is counted in ``dropped_replaceable``; if there
is none, the new message is refused and counted in ``dropped`` — never silently: the
notifier reports both as health.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Queued(Generic[T]):
    item: T
    replaceable: bool


class OutgoingQueue(Generic[T]):
    """FIFO of at most ``capacity`` items; :meth:`get` waits, :meth:`close` wakes waiters."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._items: deque[Queued[T]] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self.dropped = 0
        self.dropped_replaceable = 0

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)

    def put(self, item: T, *, replaceable: bool = False) -> bool:
        """Queue ``item``; False (and counted) when it had to be refused."""
        with self._cond:
            if len(self._items) >= self.capacity and not self._make_room():
                if replaceable:
                    self.dropped_replaceable += 1
                else:
                    self.dropped += 1
                return False
            self._items.append(Queued(item, replaceable))
            self._cond.notify()
            return True

    def _make_room(self) -> bool:
        for index, queued in enumerate(self._items):
            if queued.replaceable:
                del self._items[index]
                self.dropped_replaceable += 1
                return True
        return False

    def put_front(self, item: T, *, replaceable: bool = False) -> None:
        """Put back an item that could not be sent (it keeps its place at the head)."""
        with self._cond:
            if len(self._items) >= self.capacity and not self._make_room():
                # Full of unsendable items: the oldest message is the one given up.
                self.dropped += 1
                return
            self._items.appendleft(Queued(item, replaceable))
            self._cond.notify()

    def get(self, timeout_s: float | None = None) -> Queued[T] | None:
        """The oldest item, waiting up to ``timeout_s``; None on timeout or once closed."""
        with self._cond:
            if not self._items and not self._closed:
                self._cond.wait(timeout_s)
            if self._closed or not self._items:
                return None
            return self._items.popleft()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
