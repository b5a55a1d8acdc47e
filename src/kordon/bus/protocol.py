"""``Bus``: how the parts of a node exchange typed messages (in-process now, MQTT later).

A subscriber declares one ``Route`` per channel it wants: the channel and an async
handler taking that channel's payload. The bus delivers each message to the handler of
its channel, in publish order across all of a subscription's channels, so a subscriber
never inspects the type of what it receives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from kordon.bus.channels import Channel

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Route(Generic[P]):
    """Where one channel's messages go in a subscription."""

    channel: Channel[P]
    handler: Callable[[P], Awaitable[None]]


def route(channel: Channel[P], handler: Callable[[P], Awaitable[None]]) -> Route[P]:
    """``Route(channel, handler)`` with the payload type inferred from the channel."""
    return Route(channel, handler)


class Subscription(Protocol):
    """A subscriber's queue; ``dropped`` counts messages lost because it fell behind."""

    @property
    def dropped(self) -> int: ...

    async def deliver_next(self) -> None:
        """Wait for the next message and hand it to its route's handler."""
        ...

    async def deliver_ready(self) -> int:
        """Hand every queued message to its handler without waiting; return how many."""
        ...


class Bus(Protocol):
    """Publish from any thread; subscribers consume on the node's event loop."""

    def publish(self, channel: Channel[P], message: P) -> None: ...

    def subscribe(self, *routes: Route[Any]) -> Subscription: ...

    def unsubscribe(self, subscription: Subscription) -> None: ...
