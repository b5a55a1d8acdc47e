"""Each outpost's devices at the centre (SQLite and PostgreSQL): device ids are an outpost's
own, so the ingest keeps every status under its outpost too (``link_edge_devices``), and
``GET /api/central/outposts`` lists each outpost's devices and how many are in each state."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kordon.api.app import create_api
from kordon.central.commands import CommandQueue
from kordon.central.link_routes import central_outpost_router
from kordon.central.outposts import OutpostReader
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.batch import Batch, ReceivedEntry, decode_batch, encode_batch
from kordon.link.edge_device_rows import EdgeDeviceRow
from kordon.link.ingest import Ingestor
from kordon.link.kinds import EntryKind, Priority, Shipped
from kordon.link.outbox import Outbox
from kordon.store import Store, StoreError
from kordon.store.models_link import LinkIngestedRow
from tests.api.conftest import TestClient, login
from tests.api.fakes import T0, build_site

EDGES = {"edge-a": "Outpost A", "edge-b": "Outpost B"}


def _batch(store: Store, batch_id: str, edge: str, items: Sequence[Shipped]) -> Batch:
    outbox = Outbox(store.sessions)
    with store.sessions.begin() as session:
        entries = [outbox.append(session, item, created_at=T0) for item in items]
    return decode_batch(encode_batch(batch_id, edge, entries))


def _status(device: str, seconds: float, state: DeviceState, detail: str = "") -> DeviceStatus:
    return DeviceStatus(device, T0 + timedelta(seconds=seconds), state, detail, {"fps": 5.0})


def _count(store: Store, model: type[object]) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_same_device_id_at_two_outposts_keeps_each_outposts_state(store: Store) -> None:
    ingestor = Ingestor(store)
    a_new = _status("cam-1", 10, DeviceState.ONLINE)
    a_old = _status("cam-1", 5, DeviceState.OFFLINE, "no frames")
    b_cam = _status("cam-1", 8, DeviceState.DEGRADED, "low fps")
    ingestor.ingest(
        _batch(store, "b-1", "edge-a", [a_new, _status("ugs-1", 3, DeviceState.ONLINE)]), time=T0
    )
    ingestor.ingest(_batch(store, "b-2", "edge-b", [b_cam]), time=T0)
    # edge-a replays an older status late: it never replaces the newer one.
    ingestor.ingest(_batch(store, "b-3", "edge-a", [a_old]), time=T0)
    devices = OutpostReader(store.sessions).devices()
    assert devices == {
        "edge-a": [a_new, _status("ugs-1", 3, DeviceState.ONLINE)],
        "edge-b": [b_cam],
    }
    # The centre's device table is keyed by device id alone: one row for both cameras.
    assert store.devices.get("cam-1") == a_new


def test_a_newer_status_of_the_same_device_in_one_batch_wins(store: Store) -> None:
    newer = _status("cam-1", 20, DeviceState.DEGRADED, "low fps")
    batch = _batch(store, "b-1", "edge-a", [newer, _status("cam-1", 10, DeviceState.ONLINE)])
    Ingestor(store).ingest(batch, time=T0)
    assert OutpostReader(store.sessions).devices() == {"edge-a": [newer]}


def test_a_status_the_store_refuses_stores_nothing_of_its_batch(store: Store) -> None:
    good = _status("cam-1", 1, DeviceState.ONLINE)
    batch = _batch(store, "b-1", "edge-a", [good])
    bad = DeviceStatus("x" * 129, T0, DeviceState.ONLINE)  # longer than the device id column
    entry = ReceivedEntry(
        entry_id="e-bad",
        kind=EntryKind.DEVICE_STATUS,
        priority=Priority.HEALTH,
        created_at=T0,
        item=bad,
        document=None,
    )
    damaged = Batch(batch.batch_id, batch.edge_id, (*batch.entries, entry))
    with pytest.raises(StoreError, match="device_id"):
        Ingestor(store).ingest(damaged, time=T0)
    assert _count(store, EdgeDeviceRow) == 0
    assert _count(store, LinkIngestedRow) == 0
    assert OutpostReader(store.sessions).devices() == {}


@pytest.fixture
def client(tmp_path: Path, store_url: str) -> Iterator[tuple[TestClient, Store]]:
    site = build_site(tmp_path, database_url=store_url)
    router = central_outpost_router(
        reader=lambda: OutpostReader(site.store.sessions),
        queue=lambda: CommandQueue(site.store.sessions),
        edges=EDGES,
        revoked={"edge-c"},
    )
    app = create_api(site.context, extra_routers=[router])
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client, site.store
    site.store.close()


def test_the_outposts_route_lists_each_outposts_devices_and_states(
    client: tuple[TestClient, Store],
) -> None:
    http, store = client
    ingestor = Ingestor(store)
    a_items = [
        _status("cam-1", 1, DeviceState.ONLINE),
        _status("cam-2", 2, DeviceState.OFFLINE, "no frames"),
        _status("ugs-1", 3, DeviceState.ONLINE),
    ]
    ingestor.ingest(_batch(store, "b-1", "edge-a", a_items), time=T0)
    ingestor.ingest(
        _batch(store, "b-2", "edge-b", [_status("cam-1", 4, DeviceState.DEGRADED, "low fps")]),
        time=T0,
    )
    login(http, "operator")
    response = http.get("/api/central/outposts")
    assert response.status_code == 200, response.text
    by_id = {o["id"]: o for o in response.json()}
    assert sorted(by_id) == ["edge-a", "edge-b", "edge-c"]
    a = by_id["edge-a"]
    assert a["device_states"] == {"online": 2, "offline": 1}
    assert [(d["device_id"], d["state"], d["detail"]) for d in a["devices"]] == [
        ("cam-1", "online", ""),
        ("cam-2", "offline", "no frames"),
        ("ugs-1", "online", ""),
    ]
    assert a["devices"][0]["time"] == "2025-03-01T12:00:01Z"
    assert a["devices"][0]["metrics"] == {"fps": 5.0}
    assert by_id["edge-b"]["device_states"] == {"degraded": 1}
    assert [d["device_id"] for d in by_id["edge-b"]["devices"]] == ["cam-1"]
    assert (by_id["edge-c"]["device_states"], by_id["edge-c"]["devices"]) == ({}, [])
