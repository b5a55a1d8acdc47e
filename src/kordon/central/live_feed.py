"""``LinkLiveFeed``: what the centre stores from its edges, published to its own bus, so the
central's ``/api/live`` shows outposts' incidents, events and device health as they arrive,
and their tracks (:meth:`LinkLiveFeed.track`, from the thinned track updates).

The centre's :class:`~kordon.api.live.LiveHub` subscribes to that bus exactly as a node's
does: the browser gets the same ``incident``, ``event`` and ``device`` messages, each shown
only to the users whose sectors include it (the central site file's sectors cover every
outpost). Called on the link receiver's store thread after each commit; the bus hands the
messages to the server's event loop.
"""

from __future__ import annotations

from collections.abc import Sequence

from kordon.bus.channels import DEVICE_STATUS, EVENTS, INCIDENTS, TRACKS
from kordon.bus.protocol import Bus
from kordon.domain.event import Event
from kordon.domain.incident import Incident
from kordon.domain.live_track import LiveTrack
from kordon.domain.status import DeviceStatus
from kordon.link.kinds import Shipped


class LinkLiveFeed:
    """Publishes stored link entries on ``bus``."""

    def __init__(self, bus: Bus) -> None:
        self._bus = bus

    def stored(self, edge: str, items: Sequence[Shipped]) -> None:
        """``items`` of ``edge`` were committed: publish each on its channel, in order."""
        del edge  # events carry it in their attributes; incidents and devices by their id
        for item in items:
            if isinstance(item, Incident):
                self._bus.publish(INCIDENTS, item)
            elif isinstance(item, Event):
                self._bus.publish(EVENTS, item)
            elif isinstance(item, DeviceStatus):
                self._bus.publish(DEVICE_STATUS, item)

    def device(self, status: DeviceStatus) -> None:
        self._bus.publish(DEVICE_STATUS, status)

    def track(self, track: LiveTrack) -> None:
        """An outpost's track update (``kordon.central.track_picture``) for the map."""
        self._bus.publish(TRACKS, track)
