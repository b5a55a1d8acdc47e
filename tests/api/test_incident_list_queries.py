"""``GET /api/incidents`` costs a fixed number of queries, however long the page (no query
per incident), and still answers every incident with its extras and headline event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.incident import CrossingCounts, Incident
from kordon.store.incident_extras import IncidentExtras, IncidentExtrasRepository
from kordon.store.session import own_transaction
from tests.api.conftest import TestClient, login
from tests.api.fakes import T0, Site


@contextmanager
def _counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add(site: Site, n: int) -> None:
    for i in range(n):
        approach = Event(
            kind=EventKind.BORDER_APPROACH,
            time=T0,
            source_id="cam1",
            id=f"q{i}a",
            sector_id="s1",
        )
        crossing = Event(
            kind=EventKind.BORDER_CROSSING,
            time=T0 + timedelta(seconds=1),
            source_id="cam1",
            id=f"q{i}c",
            sector_id="s1",
            direction=Direction.INBOUND,
            km_post=float(i),
        )
        site.store.events.add_many([approach, crossing])
        site.store.incidents.create(
            Incident(
                id=f"q{i}",
                title=f"q {i}",
                opened_at=T0 + timedelta(minutes=i + 1),
                priority=1 + i % 5,
                sector_id="s1",
                event_ids=(approach.id, crossing.id),
            ),
            time=T0,
        )
        if i % 2 == 0:
            IncidentExtrasRepository(own_transaction(site.store.sessions)).put_extras(
                f"q{i}",
                IncidentExtras(dispatched_unit=f"unit-{i}", crossings=CrossingCounts(inbound=1)),
            )


def _list_queries(client: TestClient, site: Site, params: dict[str, str | int]) -> tuple[int, Any]:
    with _counting(site.store.engine) as statements:
        response = client.get("/api/incidents", params=params)
    assert response.status_code == 200, response.text
    return len(statements), response.json()


def test_query_count_does_not_grow_with_the_page(client: TestClient, site: Site) -> None:
    _add(site, 30)
    login(client, "operator-all")
    few, small = _list_queries(client, site, {"limit": 3})
    many, large = _list_queries(client, site, {"limit": 32})
    assert len(small) == 3
    assert len(large) == 32
    assert many == few, f"{few} queries for 3 incidents, {many} for 32"
    assert many <= 12


def test_the_page_carries_extras_and_the_headline_event(client: TestClient, site: Site) -> None:
    _add(site, 6)
    login(client, "operator-all")
    found = {i["id"]: i for i in client.get("/api/incidents", params={"limit": 100}).json()}
    assert found["q4"]["dispatched_unit"] == "unit-4"
    assert found["q4"]["crossings"]["inbound"] == 1
    assert found["q3"]["dispatched_unit"] is None
    # the crossing, not the approach that came first, names each incident
    assert (found["q3"]["kind"], found["q3"]["direction"], found["q3"]["km_post"]) == (
        "border_crossing",
        "inbound",
        3.0,
    )
    assert found["inc1"]["kind"] == "border_crossing"


def test_priority_filter_is_applied_by_the_query(client: TestClient, site: Site) -> None:
    _add(site, 10)
    login(client, "operator-all")
    found = client.get("/api/incidents", params={"priority": 3, "limit": 1}).json()
    assert [i["id"] for i in found] == ["q7"]  # newest of q2, q7 (priority 3)
    found = client.get("/api/incidents", params={"priority": 3}).json()
    assert [i["id"] for i in found] == ["q7", "q2"]


def test_order_is_latest_alert_or_opening_first_whatever_the_mix(site: Site) -> None:
    """The page equals a full sort by ``coalesce(last_alert_at, opened_at)`` then id, with
    alerted and never-alerted incidents interleaved, ties, and filters."""
    extras = IncidentExtrasRepository(own_transaction(site.store.sessions))
    expected_key = {"inc1": T0, "inc2": T0}
    for i in range(40):
        opened = T0 + timedelta(minutes=i)
        sector = "s1" if i % 3 else "s2"
        site.store.incidents.create(
            Incident(id=f"o{i:02d}", title="o", opened_at=opened, priority=3, sector_id=sector),
            time=T0,
        )
        expected_key[f"o{i:02d}"] = opened
        if i % 4 == 0:  # alerted later: moves up past incidents opened after it
            alert = opened + timedelta(minutes=(i * 7) % 25)
            extras.put_extras(f"o{i:02d}", IncidentExtras(last_alert_at=alert))
            expected_key[f"o{i:02d}"] = alert
        elif i % 4 == 1:  # extras without an alert time count by their opening
            extras.put_extras(f"o{i:02d}", IncidentExtras(dispatched_unit="u"))
    sectors = {"inc1": "s1", "inc2": "s2"} | {
        f"o{i:02d}": "s1" if i % 3 else "s2" for i in range(40)
    }
    for limit in (1, 5, 10, 17, 42, 100):
        for sector_ids in (None, ["s1"]):
            wanted = [i for i in expected_key if sector_ids is None or sectors[i] in sector_ids]
            wanted.sort(key=lambda i: (expected_key[i], i), reverse=True)
            got = [
                s.incident.id for s in site.store.incidents.list(limit=limit, sector_ids=sector_ids)
            ]
            assert got == wanted[:limit], (limit, sector_ids)
