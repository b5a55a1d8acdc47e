"""``SendQueue``: what waits for the TAK link, on the node's event loop.

Two lanes. **Alarms** (incidents, tasking) go first and are never displaced: they wait in
their own FIFO of ``alarm_capacity``; only when that is full is a new alarm refused, and
counted in ``dropped_alarms`` (reported as health, never silent). **Updates** (tracks,
drones, sensors, drawings) are keyed by uid: a newer update of the same uid replaces the
queued one in place (nothing is lost but superseded positions), and when ``capacity``
different uids wait, the oldest is dropped to make room (``dropped_updates``). What is
queued is the user's choice: the transport queues events with their encoding, so a link
that switches encoding can re-encode what waits.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from typing import Generic

from typing_extensions import TypeVar  # a default (PEP 696) before Python 3.13; via pydantic

T = TypeVar("T", default=bytes)


class SendQueue(Generic[T]):
    """Alarms first, then updates oldest-first; see the module docstring."""

    def __init__(self, capacity: int, alarm_capacity: int) -> None:
        if capacity < 1 or alarm_capacity < 1:
            raise ValueError("queue capacities must be at least 1")
        self.capacity = capacity
        self.alarm_capacity = alarm_capacity
        self._alarms: deque[T] = deque()
        self._updates: OrderedDict[str, T] = OrderedDict()
        self._ready = asyncio.Event()
        self.dropped_updates = 0
        self.replaced_updates = 0
        self.dropped_alarms = 0

    def __len__(self) -> int:
        return len(self._alarms) + len(self._updates)

    def put_alarm(self, payload: T) -> bool:
        if len(self._alarms) >= self.alarm_capacity:
            self.dropped_alarms += 1
            return False
        self._alarms.append(payload)
        self._ready.set()
        return True

    def put_update(self, uid: str, payload: T) -> None:
        if uid in self._updates:
            self._updates[uid] = payload  # keeps its place in line
            self.replaced_updates += 1
        else:
            if len(self._updates) >= self.capacity:
                self._updates.popitem(last=False)
                self.dropped_updates += 1
            self._updates[uid] = payload
        self._ready.set()

    def put_back_alarm(self, payload: T) -> None:
        """An alarm the link failed to send goes back to the head of its lane."""
        self._alarms.appendleft(payload)
        self._ready.set()

    def pop(self) -> tuple[bool, T] | None:
        """(is alarm, payload) of the next message, or ``None`` when empty."""
        if self._alarms:
            return True, self._alarms.popleft()
        if self._updates:
            return False, self._updates.popitem(last=False)[1]
        self._ready.clear()
        return None

    async def wait(self) -> None:
        """Wait until something is queued (without taking it)."""
        while not self._alarms and not self._updates:
            self._ready.clear()
            await self._ready.wait()

    async def get(self) -> tuple[bool, T]:
        """Wait for the next message."""
        while True:
            item = self.pop()
            if item is not None:
                return item
            await self._ready.wait()
