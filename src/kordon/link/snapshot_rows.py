"""ORM table of the event snapshots the centre received from its outposts.

Created by migration ``0012_link_snapshots``; ``kordon.store.models`` imports this module at
its end (like ``kordon.link.ledger_rows``), so the model/migration comparison sees it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import UTCDateTime
from kordon.store.models import ID, NAME, Base


class EventSnapshotRow(Base):
    """At the centre: the JPEG of event ``event_id``, once per event, as its edge sent it.

    ``reduced``: the edge re-encoded it smaller to fit an entry (the outpost keeps the
    original)."""

    __tablename__ = "link_snapshots"

    event_id: Mapped[str] = mapped_column(ID, primary_key=True)
    edge_id: Mapped[str] = mapped_column(NAME)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    reduced: Mapped[bool] = mapped_column(Boolean)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
