"""Property: any aware datetime, in any UTC offset, comes back as the same instant in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.domain.event import Event, EventKind
from kordon.store import Store

offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware_times = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
    offsets,
)


def test_aware_datetimes_round_trip_as_utc_and_sort_as_instants(db_url: str) -> None:
    with Store(db_url) as store:

        @settings(max_examples=40, deadline=None)
        @given(first=aware_times, second=aware_times)
        def check(first: datetime, second: datetime) -> None:
            a = Event(kind=EventKind.ZONE_ENTER, time=first, source_id="prop")
            b = Event(kind=EventKind.ZONE_EXIT, time=second, source_id="prop")
            store.events.add_many([a, b])
            for original in (a, b):
                loaded = store.events.get(original.id).time
                assert loaded == original.time
                assert loaded.tzinfo is UTC or loaded.utcoffset() == timedelta(0)
            # Stored order follows the instant, not the wall-clock text of the offset.
            early, late = sorted((a, b), key=lambda e: (e.time, e.id))
            window = store.events.list(
                since=early.time,
                until=late.time + timedelta(seconds=1),
                source_ids=["prop"],
                limit=1000,
            )
            ids = [e.id for e in window]
            assert ids.index(late.id) < ids.index(early.id)

        check()
