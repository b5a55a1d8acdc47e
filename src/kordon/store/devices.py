"""``DeviceStatusRepository``: the latest status of each device, and its history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.store.commit_hooks import note_device_status
from kordon.store.errors import NotFoundError
from kordon.store.mapping import check_limit, status_from_columns, status_values, utc_arg
from kordon.store.models import DeviceStatusHistoryRow, DeviceStatusRow
from kordon.store.session import SessionScope, insert_for

MAX_PAGE = 100_000
STALE_AFTER_S = 120.0
"""Silence longer than this is an outage (heartbeats every 10 s; ``kordon.register.uptime``)."""


class DeviceStatusRepository:
    def __init__(self, scope: SessionScope, *, stale_after_s: float = STALE_AFTER_S) -> None:
        if stale_after_s <= 0:
            raise ValueError("stale_after_s must be positive")
        self._scope = scope
        self._stale_after = timedelta(seconds=stale_after_s)

    def record(self, status: DeviceStatus) -> None:
        """Make ``status`` the latest unless a newer one is stored; add it to the history
        only when it changes the device's state (the history is a change log).

        A report after a silence longer than ``stale_after_s`` first adds an ``offline``
        "no report since …" row where the silence became an outage, so the gap stays in
        the history. Reports can arrive out of order (an edge replaying its outbox): an
        older report goes into the history when it differs from the row before it, and
        never replaces a newer latest status.
        """
        values = status_values(status)
        with self._scope(f"recording status of device {status.device_id}") as session:
            for row in self._history_rows(session, values):
                session.execute(insert(DeviceStatusHistoryRow).values(**row))
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
            note_device_status(session, status)

    def _history_rows(self, session: Session, values: dict[str, Any]) -> list[dict[str, Any]]:
        device_id, time, state = values["device_id"], values["time"], values["state"]
        latest = session.execute(
            select(DeviceStatusRow.time, DeviceStatusRow.state).where(
                DeviceStatusRow.device_id == device_id
            )
        ).one_or_none()
        if latest is None:
            return [values]
        if time < latest[0]:
            previous = session.scalar(
                select(DeviceStatusHistoryRow.state)
                .where(DeviceStatusHistoryRow.device_id == device_id)
                .where(DeviceStatusHistoryRow.time <= time)
                .order_by(DeviceStatusHistoryRow.time.desc(), DeviceStatusHistoryRow.id.desc())
                .limit(1)
            )
            return [] if previous == state else [values]
        rows: list[dict[str, Any]] = []
        last_state = latest[1]
        silent_from = latest[0] + self._stale_after
        if time > silent_from:
            last_state = str(DeviceState.OFFLINE)
            rows.append(
                {
                    "device_id": device_id,
                    "time": silent_from,
                    "state": last_state,
                    "detail": f"no report since {latest[0].isoformat()}",
                    "metrics": {},
                }
            )
        if state != last_state:
            rows.append(values)
        return rows

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
