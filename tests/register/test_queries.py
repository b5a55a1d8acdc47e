"""The read-only queries the reports use; the reader's scopes and filters."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from kordon.accounts.roles import Role
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.register.asset import Deployment
from kordon.register.categories import Category
from kordon.register.errors import RegisterInputError, RegisterNotFoundError
from kordon.register.importer import import_assets
from kordon.register.queries import RegisterQueries
from kordon.register.reader import AssetFilter, RegisterReader
from kordon.register.scope import RegisterScope
from kordon.register.service import RegisterService
from kordon.register.status import AssetStatus
from kordon.store import Store
from tests.register.conftest import ACTOR, T0, csv_text, row

ALL = RegisterScope.everything()


@pytest.fixture
def filled(seeded: RegisterService, tmp_path: Path, store: Store) -> RegisterService:
    path = tmp_path / "a.csv"
    path.write_text(
        csv_text(
            row("CAM-1", status="deployed", outpost="T1", sector="s1", device="cam-1"),
            row("CAM-2", status="deployed", outpost="T2", sector="s2", device="cam-2"),
            row("CAM-3", status="deployed", outpost="T3", sector="s2"),
            row("CAM-4"),
            row("H-1", category="helmet", cost="300", status="lost", report="lost in river"),
            row("H-2", category="helmet", cost="300", status="issued", holder="G1"),
            row(
                "B-1",
                project_id="P2",
                category="radio",
                cost="500",
                status="deployed",
                outpost="T1",
                sector="s1",
            ),
        )
    )
    import_assets(seeded, path, actor=ACTOR, time=T0)
    store.devices.record(DeviceStatus("cam-1", T0, DeviceState.ONLINE))
    store.devices.record(DeviceStatus("cam-2", T0, DeviceState.OFFLINE))
    return seeded


def test_project_summary_counts_and_values(filled: RegisterService, store: Store) -> None:
    summaries = RegisterQueries(store.sessions).project_summaries(ALL)
    assert [s.project.id for s in summaries] == ["P1", "P2"]
    cameras, helmets = summaries[0].categories
    assert cameras.category is Category.CAMERA
    assert (cameras.delivered, cameras.in_use, cameras.operational, cameras.in_store) == (
        4,
        3,
        2,
        1,
    )
    assert cameras.unlinked_networked == 1
    assert cameras.operational_value_minor == 2 * 100_000
    assert (helmets.delivered, helmets.in_use, helmets.lost) == (2, 1, 1)
    assert helmets.lost_destroyed_value_minor == 30_000
    assert cameras.ordered == 4  # the lines created by the import
    assert summaries[0].totals["delivered"] == 6


def test_losses_come_with_their_reports(filled: RegisterService, store: Store) -> None:
    filled.set_status(
        "CAM-4",
        AssetStatus.DESTROYED,
        report="fire at the store",
        actor=ACTOR,
        time=T0 + timedelta(days=1),
    )
    losses = RegisterQueries(store.sessions).losses(ALL, "P1")
    assert [(x.serial, x.status, x.report) for x in losses] == [
        ("CAM-4", AssetStatus.DESTROYED, "fire at the store"),
        ("H-1", AssetStatus.LOST, "lost in river"),
    ]
    assert losses[0].time == T0 + timedelta(days=1)
    assert losses[0].actor == ACTOR


def test_check_coverage_lists_overdue_assets(filled: RegisterService, store: Store) -> None:
    queries = RegisterQueries(store.sessions)
    early = queries.check_coverage(ALL, "P1", as_of=T0 + timedelta(days=10))
    assert (early.accountable, early.checked_in_interval, early.overdue) == (5, 0, [])
    late = queries.check_coverage(ALL, "P1", as_of=T0 + timedelta(days=31))
    assert [o.serial for o in late.overdue] == ["CAM-1", "CAM-2", "CAM-3", "CAM-4", "H-2"]
    assert late.ratio == 0


def test_uptimes_of_linked_assets(filled: RegisterService, store: Store) -> None:
    found = RegisterQueries(store.sessions).uptimes(
        ALL, since=T0, until=T0 + timedelta(hours=1), stale_after_s=None
    )
    assert [(u.serial, u.uptime.ratio) for u in found] == [("CAM-1", 1.0), ("CAM-2", 0.0)]


def test_scopes(filled: RegisterService, store: Store) -> None:
    reader = RegisterReader(store.sessions)
    commander = RegisterScope.of_user(role=Role.COMMANDER, sectors=["s1"], donors=[])
    assert [a.serial for a in reader.list_assets(commander).items] == ["B-1", "CAM-1"]
    with pytest.raises(RegisterNotFoundError):
        reader.view(commander, "CAM-2")
    donor_b = RegisterScope.of_user(role=Role.DONOR_AUDITOR, sectors=[], donors=["Donor B"])
    assert [a.serial for a in reader.list_assets(donor_b).items] == ["B-1"]
    assert [p.id for p in RegisterQueries(store.sessions).projects(donor_b)] == ["P2"]
    ungranted = RegisterScope.of_user(role=Role.DONOR_AUDITOR, sectors=[], donors=[])
    assert reader.list_assets(ungranted).items == []
    operator = RegisterScope.of_user(role=Role.OPERATOR, sectors=[], donors=[])
    assert reader.count_assets(operator) == 0
    auditor = RegisterScope.of_user(role=Role.AUDITOR, sectors=["s1"], donors=[])
    assert reader.count_assets(auditor) == 7


def test_filters_search_and_pages(filled: RegisterService, store: Store) -> None:
    reader = RegisterReader(store.sessions)
    assert reader.count_assets(ALL, AssetFilter(category=Category.HELMET)) == 2
    assert reader.count_assets(ALL, AssetFilter(status=AssetStatus.DEPLOYED, sector_id="s2")) == 2
    assert len(reader.list_assets(ALL, AssetFilter(query="cam-")).items) == 4
    assert reader.count_assets(ALL, AssetFilter(query="am-3")) == 1  # inside the serial
    with pytest.raises(RegisterInputError, match="control characters"):
        reader.count_assets(ALL, AssetFilter(query="M1\nV1"))  # never across fields
    assert reader.count_assets(ALL, AssetFilter(query="m1")) == 7  # model, any case
    assert reader.count_assets(ALL, AssetFilter(query="100%")) == 0
    pages, after = [], None
    while True:
        page = reader.list_assets(ALL, after=after, limit=3)
        pages.append([a.serial for a in page.items])
        if page.next_after is None:
            break
        after = page.next_after
    assert pages == [["B-1", "CAM-1", "CAM-2"], ["CAM-3", "CAM-4", "H-1"], ["H-2"]]
    filled.deploy("CAM-4", Deployment("T4", "s1"), actor=ACTOR, time=T0)
    assert reader.count_assets(ALL, AssetFilter(holder_id="G1")) == 1


def test_page_counts_and_pages_like_list(filled: RegisterService, store: Store) -> None:
    reader = RegisterReader(store.sessions)
    first = reader.page(ALL, AssetFilter(category=Category.CAMERA), limit=3)
    assert [a.serial for a in first.items] == ["CAM-1", "CAM-2", "CAM-3"]
    assert (first.total, first.total_capped, first.next_after) == (4, False, "CAM-3")
    last = reader.page(ALL, AssetFilter(category=Category.CAMERA), after="CAM-3", limit=3)
    assert ([a.serial for a in last.items], last.next_after, last.total) == (["CAM-4"], None, 4)
    empty = reader.page(ALL, AssetFilter(query="nothing like this"))
    assert (empty.items, empty.total, empty.next_after) == ([], 0, None)


def test_page_beyond_the_count_cap(
    filled: RegisterService, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kordon.register import reader as reader_module

    monkeypatch.setattr(reader_module, "TOTAL_CAP", 2)
    reader = RegisterReader(store.sessions)
    first = reader.page(ALL, limit=2)
    assert (first.total, first.total_capped) == (2, True)
    assert [a.serial for a in first.items] == ["B-1", "CAM-1"]
    deep = reader.page(ALL, after="CAM-3", limit=2)
    assert [a.serial for a in deep.items] == ["CAM-4", "H-1"]
    assert deep.next_after == "H-1"
