"""At the centre: the latest status of each device *per outpost* (``link_edge_devices``).

A device status arrives from an edge by device id only, and the centre's ``device_status``
table is keyed by that id: two outposts that both name a camera ``cam-1`` share one row
there. The ingest (``kordon.link.ingest``) also records each status here, keyed by
(edge id, device id), so the centre can list each outpost's cameras and sensors with their
own state (``kordon.link.edge_devices`` writes and reads it). Created by migration
``0013d``; ``kordon.store.models`` imports this module at its end (like
``kordon.link.ledger_rows``), so the model/migration comparison sees it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text
from sqlalchemy.orm import Mapped, mapped_column

from kordon.store.columns import JsonDocument, UTCDateTime
from kordon.store.models import ENUM, NAME, Base


class EdgeDeviceRow(Base):
    """The latest status an outpost reported of one of its devices."""

    __tablename__ = "link_edge_devices"

    edge_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    device_id: Mapped[str] = mapped_column(NAME, primary_key=True)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(ENUM)
    detail: Mapped[str] = mapped_column(Text)
    metrics: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
