"""``CentralSnapshots``: what the centre serves at ``/api/events/{id}/snapshot.jpg``.

An outpost's event snapshot travels with its event (``kordon.link.snapshot_entry``) and is
kept in ``link_snapshots``; the centre serves those bytes exactly as they arrived. An
event whose snapshot has not arrived (or never will: none was written, or it was refused)
has none, so the route answers 404. Live camera pictures stay at the outposts.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from kordon.link.snapshot_rows import EventSnapshotRow
from kordon.store.session import translate_errors
from kordon.store.store import Store


class CentralSnapshots:
    """Implements the API's ``SnapshotProvider`` over the centre's store."""

    def __init__(self, store: Callable[[], Store]) -> None:
        self._store = store

    def latest_jpeg(self, camera_id: str, overlay: bool) -> bytes | None:
        del camera_id, overlay  # an outpost's live view stays at the outpost
        return None

    def event_jpeg(self, event_id: str) -> bytes | None:
        with (
            translate_errors(f"reading the snapshot of event {event_id}"),
            self._store().sessions() as session,
        ):
            jpeg = session.scalar(
                select(EventSnapshotRow.jpeg).where(EventSnapshotRow.event_id == event_id)
            )
        return None if jpeg is None else bytes(jpeg)
