"""The service: every change is a history entry and an audit entry in the real ledger."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kordon.evidence.ledger import Ledger
from kordon.register.asset import AssetDetails, Deployment
from kordon.register.custody import Party, TransferState
from kordon.register.errors import (
    RegisterConflictError,
    RegisterInputError,
    RegisterNotFoundError,
)
from kordon.register.history import HistoryKind
from kordon.register.importer import import_assets
from kordon.register.reader import RegisterReader
from kordon.register.scope import RegisterScope
from kordon.register.service import RegisterService
from kordon.register.status import AssetStatus
from kordon.store import Store
from kordon.store.models_register import RegisterHistoryRow
from tests.register.conftest import ACTOR, T0, audit_actions, csv_text, row

ALL = RegisterScope.everything()


def _import(service: RegisterService, tmp_path: Path, *rows: str) -> None:
    path = tmp_path / "in.csv"
    path.write_text(csv_text(*rows))
    import_assets(service, path, actor=ACTOR, time=T0)


def test_project_and_people_changes_are_audited(seeded: RegisterService, ledger: Ledger) -> None:
    assert audit_actions(ledger) == [
        "register.project.create",
        "register.project.create",
        "register.person.create",
        "register.person.create",
    ]
    with pytest.raises(RegisterConflictError, match="already exists"):
        seeded.create_project(seeded.projects()[0], actor=ACTOR, time=T0)
    assert len(audit_actions(ledger)) == 4


def test_deploy_status_and_correction_append_history(
    seeded: RegisterService, store: Store, tmp_path: Path, ledger: Ledger
) -> None:
    _import(seeded, tmp_path, row("CAM-1"))
    t1 = T0 + timedelta(hours=1)
    asset = seeded.deploy(
        "CAM-1",
        Deployment(outpost="Tower 1", sector_id="s1", device_id="cam-1"),
        actor=ACTOR,
        time=t1,
    )
    assert asset.status is AssetStatus.DEPLOYED
    assert asset.deployment is not None
    assert asset.deployment.device_id == "cam-1"
    fixed = seeded.correct(
        "CAM-1",
        AssetDetails(model="M2", vendor="V1"),
        reason="model misread",
        actor=ACTOR,
        time=t1,
    )
    assert fixed.details.model == "M2"
    view = RegisterReader(store.sessions).view(ALL, "CAM-1")
    kinds = [h.kind for h in view.history]
    assert kinds == [HistoryKind.REGISTERED, HistoryKind.DEPLOYED, HistoryKind.CORRECTED]
    assert view.history[2].data["before"] == {
        "model": "M1",
        "vendor": "V1",
        "lot": None,
        "warranty_until": None,
    }
    assert audit_actions(ledger)[-3:] == [
        "register.assets.import",
        "register.asset.deploy",
        "register.asset.correct",
    ]


def test_lost_needs_a_report_and_destroyed_is_final(
    seeded: RegisterService, tmp_path: Path
) -> None:
    _import(seeded, tmp_path, row("H-1", category="helmet"))
    with pytest.raises(RegisterInputError, match="needs a report"):
        seeded.set_status("H-1", AssetStatus.LOST, report=" ", actor=ACTOR, time=T0)
    lost = seeded.set_status(
        "H-1", AssetStatus.DESTROYED, report="shell hit, report 12", actor=ACTOR, time=T0
    )
    assert lost.status_report == "shell hit, report 12"
    with pytest.raises(RegisterConflictError, match="destroyed"):
        seeded.set_status("H-1", AssetStatus.IN_STORE, report=None, actor=ACTOR, time=T0)
    with pytest.raises(RegisterInputError, match="not set directly"):
        seeded.set_status("H-1", AssetStatus.DEPLOYED, report=None, actor=ACTOR, time=T0)


def test_device_link_checks(seeded: RegisterService, tmp_path: Path) -> None:
    _import(seeded, tmp_path, row("CAM-1"), row("CAM-2"), row("R-1", category="radio"))
    seeded.deploy("CAM-1", Deployment("T1", "s1", device_id="cam-1"), actor=ACTOR, time=T0)
    with pytest.raises(RegisterConflictError, match="already linked to asset CAM-1"):
        seeded.deploy("CAM-2", Deployment("T1", "s1", device_id="cam-1"), actor=ACTOR, time=T0)
    with pytest.raises(RegisterInputError, match="not configured in the site file"):
        seeded.deploy("CAM-2", Deployment("T1", "s1", device_id="cam-9"), actor=ACTOR, time=T0)
    with pytest.raises(RegisterInputError, match="only cameras"):
        seeded.deploy("R-1", Deployment("T1", "s1", device_id="cam-2"), actor=ACTOR, time=T0)
    with pytest.raises(RegisterInputError, match="unknown sector"):
        seeded.deploy("CAM-2", Deployment("T1", "s9"), actor=ACTOR, time=T0)


def test_transfer_takes_effect_when_both_parties_confirm(
    seeded: RegisterService, store: Store, tmp_path: Path
) -> None:
    _import(seeded, tmp_path, row("BA-1", category="body_armour"))
    issued = seeded.request_transfer("BA-1", to_person="G1", actor=ACTOR, time=T0)
    assert issued.state is TransferState.PENDING
    assert issued.from_confirmed_by == ACTOR  # the store's side: the logistics officer
    reader = RegisterReader(store.sessions)
    assert reader.asset(ALL, "BA-1").status is AssetStatus.IN_STORE
    with pytest.raises(RegisterConflictError, match="pending transfer"):
        seeded.request_transfer("BA-1", to_person="G2", actor=ACTOR, time=T0)
    with pytest.raises(RegisterInputError, match="is G1, not G2"):
        seeded.confirm_transfer(issued.id, Party.TO, person_id="G2", actor=ACTOR, time=T0)
    done = seeded.confirm_transfer(issued.id, Party.TO, person_id="G1", actor=ACTOR, time=T0)
    assert done.state is TransferState.COMPLETED
    asset = reader.asset(ALL, "BA-1")
    assert (asset.status, asset.holder_id) == (AssetStatus.ISSUED, "G1")
    # G1 hands it to G2: both must confirm
    moving = seeded.request_transfer("BA-1", to_person="G2", actor=ACTOR, time=T0)
    assert moving.from_confirmed_at is None
    seeded.confirm_transfer(moving.id, Party.TO, person_id="G2", actor=ACTOR, time=T0)
    assert reader.asset(ALL, "BA-1").holder_id == "G1"
    seeded.confirm_transfer(moving.id, Party.FROM, person_id="G1", actor=ACTOR, time=T0)
    assert reader.asset(ALL, "BA-1").holder_id == "G2"
    with pytest.raises(RegisterConflictError, match="completed"):
        seeded.confirm_transfer(moving.id, Party.FROM, person_id="G1", actor=ACTOR, time=T0)


def test_transfer_to_unknown_person_changes_nothing(
    seeded: RegisterService, store: Store, tmp_path: Path, ledger: Ledger
) -> None:
    _import(seeded, tmp_path, row("BA-1", category="body_armour"))
    before = ledger.size
    with pytest.raises(RegisterNotFoundError, match="no person 'G9'"):
        seeded.request_transfer("BA-1", to_person="G9", actor=ACTOR, time=T0)
    assert ledger.size == before
    with store.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RegisterHistoryRow)) == 1


def test_history_rows_are_never_rewritten(
    seeded: RegisterService, store: Store, tmp_path: Path
) -> None:
    _import(seeded, tmp_path, row("CAM-1"))
    with store.sessions() as session:
        first = session.scalars(select(RegisterHistoryRow)).one()
        snapshot = (first.id, first.kind, dict(first.data), first.time)
    seeded.deploy("CAM-1", Deployment("T1", "s1"), actor=ACTOR, time=T0)
    seeded.set_status("CAM-1", AssetStatus.UNDER_REPAIR, report="lens", actor=ACTOR, time=T0)
    with store.sessions() as session:
        rows = list(session.scalars(select(RegisterHistoryRow).order_by(RegisterHistoryRow.id)))
    assert (rows[0].id, rows[0].kind, dict(rows[0].data), rows[0].time) == snapshot
    assert [r.kind for r in rows] == ["registered", "deployed", "status"]
