"""``ClipListings``: the clips an outpost has of an incident, asked over the evidence link.

The centre does not know an outpost's clips (their ids come from the outpost's cameras,
pre- and post-roll and recordings), so it asks (``list``, ``kordon.link.evidence_wire``)
and keeps the answer in memory for ``max_age_s``: clips appear at an outpost as their
post-roll is recorded, so a listing is asked again once it is older than that. At most
one question per incident is out at a time (asked again after ``retry_s`` without an
answer); an answer nobody asked for is refused.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from kordon.link.evidence_wire import (
    VERSION,
    EdgeError,
    ListedClip,
    Listing,
    ListRequest,
    encode_request,
)
from kordon.link.topics import LinkTopics

Publish = Callable[[str, bytes], bool]
MAX_KEPT = 1000
"""Listings kept (the oldest go first)."""


@dataclass(frozen=True, slots=True)
class ClipListing:
    edge_id: str
    incident_id: str
    clips: tuple[ListedClip, ...]
    error: str | None
    """The outpost's refusal (an incident it does not know), else ``None``."""
    received_at_s: float


@dataclass(frozen=True, slots=True)
class _Asked:
    edge_id: str
    incident_id: str
    at_s: float


class ClipListings:
    """``clock`` is monotonic seconds."""

    def __init__(
        self,
        *,
        publish: Publish,
        topics: LinkTopics,
        clock: Callable[[], float],
        max_age_s: float = 30.0,
        retry_s: float = 10.0,
    ) -> None:
        if max_age_s <= 0 or retry_s <= 0:
            raise ValueError("max_age_s and retry_s must be > 0")
        self._publish = publish
        self._topics = topics
        self._clock = clock
        self._max_age_s = max_age_s
        self._retry_s = retry_s
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[str, str], ClipListing] = OrderedDict()
        self._asked: dict[str, _Asked] = {}

    def get(self, edge_id: str, incident_id: str) -> ClipListing | None:
        """A listing younger than ``max_age_s``, else ``None`` (and the outpost is asked,
        unless a question is already out)."""
        now = self._clock()
        with self._lock:
            kept = self._kept.get((edge_id, incident_id))
            if kept is not None and now - kept.received_at_s < self._max_age_s:
                return kept
            out = [
                a
                for a in self._asked.values()
                if (a.edge_id, a.incident_id) == (edge_id, incident_id)
                and now - a.at_s < self._retry_s
            ]
            if out:
                return None
            list_id = uuid.uuid4().hex
            self._asked = {k: a for k, a in self._asked.items() if now - a.at_s < self._retry_s}
            self._asked[list_id] = _Asked(edge_id, incident_id, now)
        request = ListRequest(v=VERSION, type="list", transfer_id=list_id, incident_id=incident_id)
        self._publish(self._topics.evidence_req(edge_id), encode_request(request))
        return None

    def asked(self, list_id: str) -> bool:
        with self._lock:
            return list_id in self._asked

    def take(self, edge_id: str, reply: Listing | EdgeError) -> str | None:
        """Keep an answer; returns the reason it is refused, or ``None``."""
        with self._lock:
            asked = self._asked.get(reply.transfer_id)
            if asked is None:
                return "unknown_transfer"
            if asked.edge_id != edge_id:
                return "wrong_edge"
            if isinstance(reply, Listing) and reply.incident_id != asked.incident_id:
                return "malformed"
            del self._asked[reply.transfer_id]
            key = (edge_id, asked.incident_id)
            self._kept.pop(key, None)
            self._kept[key] = ClipListing(
                edge_id,
                asked.incident_id,
                reply.clips if isinstance(reply, Listing) else (),
                None if isinstance(reply, Listing) else f"{reply.reason}: {reply.detail}",
                self._clock(),
            )
            while len(self._kept) > MAX_KEPT:
                self._kept.popitem(last=False)
            return None
