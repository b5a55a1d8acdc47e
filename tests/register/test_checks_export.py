"""End-use checks with photos; export and re-import; QR labels; the demo register."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import func, select

from kordon.api.audit_log import LedgerAuditLog
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.register.check import GpsFix
from kordon.register.demo import DEMO_PROJECT_ID, DemoCamera, seed_demo
from kordon.register.errors import RegisterInputError
from kordon.register.export import HEADER, export_file
from kordon.register.importer import import_assets
from kordon.register.labels import label_sheet, qr_payload, serial_of
from kordon.register.queries import RegisterQueries
from kordon.register.reader import RegisterReader
from kordon.register.scope import RegisterScope
from kordon.register.service import RegisterService
from kordon.store import Store, sqlite_url
from kordon.store.models_register import RegisterCheckRow
from tests.register.conftest import ACTOR, T0, audit_actions, csv_text, project, row

ALL = RegisterScope.everything()
FIX = GpsFix(lat=51.54, lon=23.65, accuracy_m=8.0)


def png(size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def one_camera(seeded: RegisterService, tmp_path: Path) -> RegisterService:
    path = tmp_path / "a.csv"
    path.write_text(csv_text(row("CAM-1", status="deployed", outpost="T1", sector="s1")))
    import_assets(seeded, path, actor=ACTOR, time=T0)
    return seeded


def _checks(store: Store) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(RegisterCheckRow)) or 0)


def test_a_check_stores_the_photo_and_is_audited(
    one_camera: RegisterService, store: Store, ledger: Ledger, tmp_path: Path
) -> None:
    photo = png()
    check = one_camera.record_check(
        "CAM-1",
        fix=FIX,
        photo=photo,
        note="seen on tower",
        actor="commander",
        time=T0 + timedelta(days=2),
    )
    assert check.photo_type == "image/png"
    assert one_camera.photo(check.photo_sha256, check.photo_type) == photo
    assert RegisterReader(store.sessions).asset(ALL, "CAM-1").last_check_at == T0 + timedelta(
        days=2
    )
    assert audit_actions(ledger)[-1] == "register.asset.check"
    coverage = RegisterQueries(store.sessions).check_coverage(
        ALL, "P1", as_of=T0 + timedelta(days=20)
    )
    assert (coverage.accountable, coverage.checked_in_interval) == (1, 1)


@pytest.mark.parametrize(
    ("photo", "reason"),
    [
        (b"%PDF-1.4 not a photo", "not a readable image"),
        (b"", "empty"),
        (b"\xff\xd8\xff" + b"\x00" * 300_000, "at most 200000 bytes"),
        (b"GIF89a" + b"\x00" * 100, "not a readable image"),
    ],
)
def test_bad_photos_are_refused_and_nothing_stored(  # noqa: PLR0917 (fixtures)
    one_camera: RegisterService,
    store: Store,
    ledger: Ledger,
    tmp_path: Path,
    photo: bytes,
    reason: str,
) -> None:
    before = ledger.size
    with pytest.raises(RegisterInputError, match=reason):
        one_camera.record_check("CAM-1", fix=FIX, photo=photo, note="", actor=ACTOR, time=T0)
    assert _checks(store) == 0
    assert ledger.size == before
    assert not (tmp_path / "photos").exists() or not any((tmp_path / "photos").rglob("*.*"))


def test_a_gif_is_not_accepted(one_camera: RegisterService) -> None:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    with pytest.raises(RegisterInputError, match="JPEG, PNG or WebP expected"):
        one_camera.record_check(
            "CAM-1", fix=FIX, photo=out.getvalue(), note="", actor=ACTOR, time=T0
        )


def test_a_check_on_an_unknown_serial_leaves_no_photo(
    one_camera: RegisterService, tmp_path: Path
) -> None:
    with pytest.raises(Exception, match="no asset with serial 'NOPE'"):
        one_camera.record_check("NOPE", fix=FIX, photo=png(), note="", actor=ACTOR, time=T0)
    assert not any((tmp_path / "photos").rglob("*.png"))


def test_gps_is_validated() -> None:
    with pytest.raises(ValueError, match="latitude"):
        GpsFix(lat=91.0, lon=0.0)
    with pytest.raises(ValueError, match="longitude"):
        GpsFix(lat=0.0, lon=float("nan"))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_reimports_into_an_empty_register(
    one_camera: RegisterService, store: Store, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / "sub"
    path.mkdir()
    out = path / f"register{suffix}"
    assert export_file(store.sessions, ALL, out) == 1
    if suffix == ".csv":
        with out.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.reader(stream))
    else:
        workbook = openpyxl.load_workbook(out, read_only=True)
        rows = [[c or "" for c in r] for r in workbook.worksheets[0].iter_rows(values_only=True)]
        workbook.close()
    assert tuple(rows[0]) == HEADER
    values = dict(zip(rows[0], rows[1], strict=True))
    assert values["serial"] == "CAM-1"
    assert values["unit_cost"] == "1000.00"
    assert values["sector"] == "s1"
    with (
        Store(sqlite_url(tmp_path / "fresh.db")) as fresh,
        Ledger(tmp_path / "ledger2", Signer.generate()) as ledger,
    ):
        other = RegisterService(fresh.sessions, LedgerAuditLog(ledger))
        other.create_project(project(), actor=ACTOR, time=T0)
        assert import_assets(other, out, actor=ACTOR, time=T0).assets == 1
        again = RegisterReader(fresh.sessions).asset(ALL, "CAM-1")
        assert again.deployment == RegisterReader(store.sessions).asset(ALL, "CAM-1").deployment


def test_xlsx_export_never_writes_formulas(
    seeded: RegisterService, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "a.csv"
    path.write_text(csv_text(row("X-1").replace("M1", "+cmd|calc")))
    import_assets(seeded, path, actor=ACTOR, time=T0)
    out = tmp_path / "out.xlsx"
    export_file(store.sessions, ALL, out)
    sheet = openpyxl.load_workbook(out).worksheets[0]
    model = sheet.cell(row=2, column=HEADER.index("model") + 1)
    assert (model.value, model.data_type) == ("+cmd|calc", "s")
    csv_out = tmp_path / "out.csv"
    export_file(store.sessions, ALL, csv_out)
    assert "'+cmd|calc" in csv_out.read_text()


def test_label_sheet(one_camera: RegisterService, store: Store) -> None:
    assets = RegisterReader(store.sessions).list_assets(ALL).items
    page = label_sheet(assets, title="Labels <P1>", demo=True)
    assert page.count("<svg") == 1
    assert "CAM-1" in page
    assert "Labels &lt;P1&gt;" in page
    assert "DEMO DATA" in page
    assert serial_of(qr_payload("CAM-1")) == "CAM-1"
    assert serial_of("http://example.org") is None


def test_demo_register_is_labelled_and_idempotent(service: RegisterService, store: Store) -> None:
    cameras = [DemoCamera("cam-1", "s1")]
    first = seed_demo(service, cameras=cameras, sector_ids=["s1", "s2"], time=T0)
    assert first.created
    assert first.assets > 30
    again = seed_demo(service, cameras=cameras, sector_ids=["s1", "s2"], time=T0)
    assert not again.created
    (summary,) = RegisterQueries(store.sessions).project_summaries(ALL)
    assert summary.project.id == DEMO_PROJECT_ID
    assert summary.project.demo
    assert "DEMO" in summary.project.name
    camera = RegisterReader(store.sessions).asset(ALL, "DEMO-CAM-0001")
    assert camera.deployment is not None
    assert camera.deployment.device_id == "cam-1"
    assert summary.totals["lost"] == 1
