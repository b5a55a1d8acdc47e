"""At the centre: event snapshots that arrived before their event (``link_held_snapshots``).

A lost event batch resent after the batch holding its picture reaches the centre second:
the snapshot is refused for now ("event not held"), its entry's document kept verbatim in
``link_ingested.payload``, and a row here names it by (event id, edge id, entry id). When
an event arrives, :func:`kordon.link.snapshot_ingest.apply_held_snapshots` looks its id up
here (the primary key's first column) and applies the snapshots waiting for it in the same
transaction. Created by migration ``0014h``; ``kordon.store.models`` imports this module at
its end (like ``kordon.link.snapshot_rows``), so the model/migration comparison sees it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import UTCDateTime
from kordon.store.models import ID, NAME, Base


class HeldSnapshotRow(Base):
    """A snapshot entry of ``edge_id`` waiting for event ``event_id`` to arrive."""

    __tablename__ = "link_held_snapshots"

    event_id: Mapped[str] = mapped_column(ID, primary_key=True)
    edge_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    entry_id: Mapped[str] = mapped_column(ID, primary_key=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
