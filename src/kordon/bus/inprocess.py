"""``InProcessBus``: publish from any thread, consume on the asyncio loop.

Each subscriber gets its own bounded queue. A slow subscriber never blocks a camera
thread: when its queue is full the oldest message is dropped and counted. Anything that
must not be lost (events) is written to the store *before* it is published here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from kordon.bus.topics import Topic

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class Subscription:
    """One subscriber's queue for one or more topics."""

    topics: frozenset[Topic]
    queue: asyncio.Queue[tuple[Topic, object]]
    dropped: int = 0
    _closed: bool = field(default=False, repr=False)

    async def get(self) -> tuple[Topic, object]:
        return await self.queue.get()

    async def __aiter__(self) -> AsyncIterator[tuple[Topic, object]]:
        while not self._closed:
            yield await self.queue.get()


class InProcessBus:
    """Thread-safe fan-out to asyncio subscribers bound to one event loop."""

    def __init__(self, *, queue_size: int = 1000) -> None:
        self._queue_size = queue_size
        self._subscriptions: list[Subscription] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the loop subscribers run on (done by the composition root)."""
        self._loop = loop

    def subscribe(self, *topics: Topic) -> Subscription:
        sub = Subscription(frozenset(topics), asyncio.Queue(maxsize=self._queue_size))
        with self._lock:
            self._subscriptions.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        sub._closed = True
        with self._lock:
            if sub in self._subscriptions:
                self._subscriptions.remove(sub)

    def publish(self, topic: Topic, message: object) -> None:
        """Deliver to every subscriber of ``topic``; callable from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._deliver(topic, message)
        else:
            try:
                loop.call_soon_threadsafe(self._deliver, topic, message)
            except RuntimeError:  # loop closed between the check and the call
                logger.debug("bus loop closed; dropped %s message", topic)

    def _deliver(self, topic: Topic, message: object) -> None:
        with self._lock:
            subs = [s for s in self._subscriptions if topic in s.topics]
        for sub in subs:
            if sub.queue.full():
                sub.queue.get_nowait()
                sub.dropped += 1
            sub.queue.put_nowait((topic, message))
