"""Each outpost's devices at the centre: written by the ingest, read by the outposts view.

The table is ``link_edge_devices`` (``kordon.link.edge_device_rows``): the latest status of
each device keyed by (edge id, device id), since device ids are only unique within an
outpost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kordon.domain.status import DeviceStatus
from kordon.link.edge_device_rows import EdgeDeviceRow
from kordon.store.mapping import status_from_columns, status_values
from kordon.store.session import insert_for


def record_edge_devices(session: Session, statuses: Sequence[tuple[str, DeviceStatus]]) -> None:
    """Make each (edge id, status) its device's latest at that edge, unless a newer one is
    stored (an edge replaying its outbox sends older statuses late). Checked as the device
    tables check them (``status_values``: a bad id or a non-finite metric is refused)."""
    if not statuses:
        return
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for edge_id, status in statuses:  # one row per key per statement: the newest one
        values = {"edge_id": edge_id, **status_values(status)}
        key = (edge_id, status.device_id)
        if key not in latest or latest[key]["time"] <= values["time"]:
            latest[key] = values
    upsert = insert_for(session, EdgeDeviceRow)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=["edge_id", "device_id"],
            set_={
                "time": upsert.excluded.time,
                "state": upsert.excluded.state,
                "detail": upsert.excluded.detail,
                "metrics": upsert.excluded.metrics,
            },
            where=EdgeDeviceRow.time <= upsert.excluded.time,
        ),
        list(latest.values()),
    )


def edge_devices(session: Session) -> dict[str, list[DeviceStatus]]:
    """Every outpost's devices (the latest status of each), by edge id, ordered by device id."""
    found: dict[str, list[DeviceStatus]] = {}
    rows = session.scalars(
        select(EdgeDeviceRow).order_by(EdgeDeviceRow.edge_id, EdgeDeviceRow.device_id)
    )
    for row in rows:
        found.setdefault(row.edge_id, []).append(
            status_from_columns(row.device_id, row.time, row.state, row.detail, row.metrics)
        )
    return found
