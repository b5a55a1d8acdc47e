"""Store.transaction(): several calls commit together or not at all."""

from __future__ import annotations

import pytest

from kordon.domain.status import DeviceState, DeviceStatus
from kordon.store import NotFoundError, Store, StoreError, sqlite_url
from tests.store.builders import at, event, incident


class BoomError(Exception):
    pass


def _write_three_then_fail(store: Store) -> None:
    with store.transaction() as tx:
        assert tx.events.add(event("ev-1", 0)) is True
        tx.incidents.create(incident(event_ids=("ev-1",)), time=at(0))
        tx.devices.record(DeviceStatus(device_id="cam-1", time=at(0), state=DeviceState.ONLINE))
        # Visible inside the transaction...
        assert tx.incidents.get("inc-1").incident.event_ids == ("ev-1",)
        raise BoomError


def _add_event_then_link_a_missing_one(store: Store) -> None:
    with store.transaction() as tx:
        tx.events.add(event("ev-1", 0))
        tx.incidents.create(incident(event_ids=("ev-missing",)), time=at(0))


def test_exception_rolls_back_every_write_in_the_transaction(store: Store) -> None:
    with pytest.raises(BoomError):
        _write_three_then_fail(store)
    # ...and gone after it.
    assert store.events.list() == []
    assert store.incidents.list() == []
    assert store.devices.latest() == []


def test_store_error_inside_a_transaction_rolls_back_earlier_writes(store: Store) -> None:
    with pytest.raises(NotFoundError, match="ev-missing"):
        _add_event_then_link_a_missing_one(store)
    with pytest.raises(NotFoundError):
        store.events.get("ev-1")


def test_transaction_commits_on_success(store: Store) -> None:
    with store.transaction() as tx:
        tx.events.add(event("ev-1", 0))
        tx.incidents.create(incident(event_ids=("ev-1",)), time=at(0))
        tx.incidents.attach_event("inc-1", event_id="ev-1", time=at(1))
    assert store.incidents.get("inc-1").incident.event_ids == ("ev-1",)


def test_repositories_need_an_open_store(tmp_path: object) -> None:
    closed = Store(sqlite_url(f"{tmp_path}/kordon.db"))
    with pytest.raises(StoreError, match="not open: call open"):
        closed.events.list()
    with pytest.raises(StoreError, match="not open"), closed.transaction():
        pass
