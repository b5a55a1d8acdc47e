"""Store an event at the edge and queue it for the centre in one transaction."""

from __future__ import annotations

from datetime import datetime

from kordon.domain.event import Event
from kordon.link.outbox import Outbox, OutboxEntry
from kordon.store.events import EventRepository
from kordon.store.session import shared_transaction, translate_errors
from kordon.store.store import Store


def store_event(
    store: Store, outbox: Outbox, event: Event, *, time: datetime
) -> OutboxEntry | None:
    """Add ``event`` to the store and its outbox entry, committed together.

    ``None`` (and no entry) when the store already had the event: it was queued then.
    Any error rolls both back.
    """
    what = f"storing event {event.id} for the centre"
    with translate_errors(what), store.sessions.begin() as session:
        if not EventRepository(shared_transaction(session)).add(event):
            return None
        return outbox.append(session, event, created_at=time)
