"""``UTCDateTime`` below the domain types (which already normalise to UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import StatementError

from kordon.store import Store
from kordon.store.models import DeviceStatusHistoryRow

KYIV_SUMMER = timezone(timedelta(hours=3))


def _row(time: datetime) -> dict[str, object]:
    return {"device_id": "cam-1", "time": time, "state": "online", "detail": "", "metrics": {}}


def test_non_utc_aware_value_is_stored_as_its_utc_instant(store: Store) -> None:
    local = datetime(2025, 7, 1, 3, 30, tzinfo=KYIV_SUMMER)
    with store.engine.begin() as connection:
        connection.execute(insert(DeviceStatusHistoryRow).values(**_row(local)))
        loaded = connection.execute(select(DeviceStatusHistoryRow.time)).scalar_one()
        # A query bound with another offset finds the same instant.
        found = connection.execute(
            select(DeviceStatusHistoryRow.device_id).where(
                DeviceStatusHistoryRow.time == datetime(2025, 7, 1, 0, 30, tzinfo=UTC)
            )
        ).scalar_one_or_none()
    assert loaded == datetime(2025, 7, 1, 0, 30, tzinfo=UTC)
    assert loaded.utcoffset() == timedelta(0)
    assert (loaded.hour, loaded.minute) == (0, 30)
    assert found == "cam-1"


def test_naive_value_is_refused(store: Store) -> None:
    with (
        pytest.raises(StatementError, match=r"naive datetime .* refused"),
        store.engine.begin() as connection,
    ):
        connection.execute(insert(DeviceStatusHistoryRow).values(**_row(datetime(2025, 7, 1))))
