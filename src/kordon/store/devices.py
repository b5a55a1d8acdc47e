"""``DeviceStatusRepository``: the latest status of each device, and its history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from kordon.domain.status import DeviceStatus
from kordon.store.errors import NotFoundError
from kordon.store.mapping import check_limit, status_from_columns, status_values, utc_arg
from kordon.store.models import DeviceStatusHistoryRow, DeviceStatusRow
from kordon.store.session import SessionScope, insert_for

MAX_PAGE = 100_000


class DeviceStatusRepository:
    def __init__(self, scope: SessionScope) -> None:
        self._scope = scope

    def record(self, status: DeviceStatus) -> None:
        """Append ``status`` to the history and make it the latest unless a newer one is stored.

        Reports can arrive out of order (an edge replaying its outbox): an older report
        still goes into the history but never replaces a newer latest status.
        """
        values = status_values(status)
        with self._scope(f"recording status of device {status.device_id}") as session:
            session.execute(insert(DeviceStatusHistoryRow).values(**values))
            upsert = insert_for(session, DeviceStatusRow).values(**values)
            session.execute(
                upsert.on_conflict_do_update(
                    index_elements=["device_id"],
                    set_={
                        "time": upsert.excluded.time,
                        "state": upsert.excluded.state,
                        "detail": upsert.excluded.detail,
                        "metrics": upsert.excluded.metrics,
                    },
                    where=DeviceStatusRow.time <= upsert.excluded.time,
                )
            )

    def latest(self) -> list[DeviceStatus]:
        """The latest status of every device, ordered by device id."""
        with self._scope("reading device statuses") as session:
            rows = session.scalars(select(DeviceStatusRow).order_by(DeviceStatusRow.device_id))
            return [
                status_from_columns(r.device_id, r.time, r.state, r.detail, r.metrics) for r in rows
            ]

    def get(self, device_id: str) -> DeviceStatus:
        """The latest status of one device; ``NotFoundError`` if it never reported."""
        with self._scope(f"reading status of device {device_id}") as session:
            row = session.get(DeviceStatusRow, device_id, populate_existing=True)
            if row is None:
                raise NotFoundError(f"no status recorded for device {device_id!r}")
            return status_from_columns(row.device_id, row.time, row.state, row.detail, row.metrics)

    def history(
        self,
        device_id: str,
        *,
        since: datetime,
        until: datetime | None = None,
        limit: int = 10_000,
    ) -> list[DeviceStatus]:
        """Statuses of ``device_id`` with ``since <= time < until``, oldest first."""
        check_limit(limit, MAX_PAGE)
        conditions = [
            DeviceStatusHistoryRow.device_id == device_id,
            DeviceStatusHistoryRow.time >= utc_arg("since", since),
        ]
        if until is not None:
            conditions.append(DeviceStatusHistoryRow.time < utc_arg("until", until))
        with self._scope(f"reading status history of device {device_id}") as session:
            rows = session.scalars(
                select(DeviceStatusHistoryRow)
                .where(*conditions)
                .order_by(DeviceStatusHistoryRow.time, DeviceStatusHistoryRow.id)
                .limit(limit)
            )
            return [
                status_from_columns(r.device_id, r.time, r.state, r.detail, r.metrics) for r in rows
            ]
