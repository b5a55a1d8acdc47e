"""``InProcessBus``: publish from any thread, consume on the asyncio loop.

Each subscriber gets its own bounded queue. A slow subscriber never blocks a camera
thread: when its queue is full the oldest message is dropped and counted. Anything that
must not be lost (events) is written to the store *before* it is published here.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kordon.bus.channels import Channel
from kordon.bus.protocol import Route, Subscription
from kordon.bus.topics import Topic

logger = logging.getLogger(__name__)

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class _Delivery:
    route: Route[Any]
    message: object


@dataclass(eq=False)
class InProcessSubscription:
    """One subscriber's queue and its routes, by topic."""

    routes: dict[Topic, Route[Any]]
    queue: asyncio.Queue[_Delivery]
    dropped: int = 0
    closed: bool = field(default=False, repr=False)

    async def deliver_next(self) -> None:
        delivery = await self.queue.get()
        await delivery.route.handler(delivery.message)

    async def deliver_ready(self) -> int:
        count = 0
        while not self.queue.empty():
            delivery = self.queue.get_nowait()
            await delivery.route.handler(delivery.message)
            count += 1
        return count

    def offer(self, delivery: _Delivery) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(delivery)


@dataclass(frozen=True, slots=True)
class SubscriptionStats:
    """One subscription's queue, read for metrics: its topics, depth, size and losses."""

    topics: frozenset[Topic]
    depth: int
    capacity: int
    dropped: int


class InProcessBus:
    """Thread-safe fan-out to asyncio subscribers bound to one event loop."""

    def __init__(self, *, queue_size: int = 1000) -> None:
        self._queue_size = queue_size
        self._subscriptions: list[InProcessSubscription] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the loop subscribers run on (done by the composition root)."""
        self._loop = loop

    def subscribe(self, *routes: Route[Any]) -> InProcessSubscription:
        by_topic: dict[Topic, Route[Any]] = {}
        for r in routes:
            if r.channel.topic in by_topic:
                raise ValueError(f"two routes for channel {r.channel.topic.value!r}")
            by_topic[r.channel.topic] = r
        sub = InProcessSubscription(by_topic, asyncio.Queue(maxsize=self._queue_size))
        with self._lock:
            self._subscriptions.append(sub)
        return sub

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            for sub in self._subscriptions:
                if sub is subscription:
                    sub.closed = True
                    self._subscriptions.remove(sub)
                    return

    def subscription_stats(self) -> list[SubscriptionStats]:
        """Each current subscription's topics, queued messages, queue size and drops
        (read-only; callable from any thread, values are a moment's snapshot)."""
        with self._lock:
            subs = list(self._subscriptions)
        return [
            SubscriptionStats(frozenset(s.routes), s.queue.qsize(), s.queue.maxsize, s.dropped)
            for s in subs
        ]

    def publish(self, channel: Channel[P], message: P) -> None:
        """Deliver to every subscriber of ``channel``; callable from any thread.

        Raises ``TypeError`` when ``message`` is not the channel's payload type.
        """
        channel.check(message)
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._deliver(channel.topic, message)
        else:
            try:
                loop.call_soon_threadsafe(self._deliver, channel.topic, message)
            except RuntimeError:  # loop closed between the check and the call
                logger.debug("bus loop closed; dropped %s message", channel.topic)

    def _deliver(self, topic: Topic, message: object) -> None:
        with self._lock:
            targets = [(s, s.routes[topic]) for s in self._subscriptions if topic in s.routes]
        for sub, r in targets:
            sub.offer(_Delivery(r, message))
