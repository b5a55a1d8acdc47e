"""Importing CSV and XLSX files: all rows or none, with row-level errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from kordon.evidence.ledger import Ledger
from kordon.register.errors import ImportRefusedError, RowError
from kordon.register.importer import import_assets
from kordon.register.reader import RegisterReader
from kordon.register.scope import RegisterScope
from kordon.register.service import RegisterService
from kordon.register.spreadsheet import Limits
from kordon.register.status import AssetStatus
from kordon.store import Store
from kordon.store.models_register import (
    RegisterAssetRow,
    RegisterDeliveryRow,
    RegisterHistoryRow,
    RegisterLineRow,
)
from tests.register.conftest import ACTOR, HEADER, T0, audit_actions, csv_text, row

ALL = RegisterScope.everything()


def _counts(store: Store) -> tuple[int, int, int, int]:
    with store.sessions() as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (
                RegisterAssetRow,
                RegisterHistoryRow,
                RegisterLineRow,
                RegisterDeliveryRow,
            )
        )


def _refused(service: RegisterService, path: Path, **kwargs: object) -> list[RowError]:
    with pytest.raises(ImportRefusedError) as caught:
        import_assets(service, path, actor=ACTOR, time=T0, **kwargs)  # type: ignore[arg-type]
    return caught.value.errors


def test_a_good_csv_is_imported_in_one_go(
    seeded: RegisterService, store: Store, tmp_path: Path, ledger: Ledger
) -> None:
    path = tmp_path / "delivery.csv"
    path.write_text(
        csv_text(
            row("CAM-1"),
            row("CAM-2", status="deployed", outpost="Tower 2", sector="s2", device="cam-2"),
            row("BA-1", category="body armour", cost='"850,50"'),
            row("BA-2", category="body_armour", cost="850.50", status="issued", holder="G1"),
            row("H-1", category="Helmet", cost="300", status="lost", report="lost on patrol"),
        )
    )
    result = import_assets(seeded, path, actor=ACTOR, time=T0)
    assert (result.assets, result.lines_created, result.deliveries) == (5, 3, 1)
    assert _counts(store) == (5, 5, 3, 1)
    reader = RegisterReader(store.sessions)
    assert reader.asset(ALL, "BA-2").holder_id == "G1"
    assert reader.asset(ALL, "H-1").status is AssetStatus.LOST
    assert audit_actions(ledger)[-1] == "register.assets.import"


def test_every_bad_row_is_reported_and_nothing_written(
    seeded: RegisterService, store: Store, tmp_path: Path, ledger: Ledger
) -> None:
    import_assets(
        seeded, _write(tmp_path / "first.csv", csv_text(row("OLD-1"))), actor=ACTOR, time=T0
    )
    before_counts, before_ledger = _counts(store), ledger.size
    path = _write(
        tmp_path / "bad.csv",
        csv_text(
            row("OK-1"),
            row("OK-1"),  # duplicate in the file
            row("OLD-1"),  # already registered
            row("X-1", category="tank"),
            row("X-2", cost="-5"),
            row("X-3", cost="999999999999999"),
            row("X-4", delivered="2027-01-01"),
            row("X-5", status="issued", holder="NOBODY"),
            row("X-6", project_id="NOPE"),
            row("X-7", currency="USD"),
            row("X-8", cost="30000000"),  # above the project's total
            row("X-9", device="cam-404", status="deployed", outpost="T"),
        ),
    )
    errors = _refused(seeded, path)
    found = {(e.row, e.column) for e in errors}
    assert found == {
        (3, "serial"),
        (4, "serial"),
        (5, "category"),
        (6, "unit_cost"),
        (7, "unit_cost"),
        (8, "delivered_on"),
        (9, "holder"),
        (10, "project"),
        (11, "currency"),
        (12, "unit_cost"),
        (13, "device_id"),
    }
    reasons = {(e.row, e.column): e.reason for e in errors}
    assert "duplicate serial OK-1 (also on row 2)" in reasons[(3, "serial")]
    assert "already registered" in reasons[(4, "serial")]
    assert "unknown category 'tank'" in reasons[(5, "category")]
    assert "negative" in reasons[(6, "unit_cost")]
    assert "absurd" in reasons[(7, "unit_cost")]
    assert "in the future" in reasons[(8, "delivered_on")]
    assert "no person 'NOBODY'" in reasons[(9, "holder")]
    assert all(e.file == "bad.csv" for e in errors)
    assert _counts(store) == before_counts
    assert ledger.size == before_ledger


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_header_problems_are_refused(seeded: RegisterService, tmp_path: Path) -> None:
    path = _write(tmp_path / "h.csv", "serial,colour\nA-1,red\n")
    errors = _refused(seeded, path)
    assert RowError("h.csv", 1, "colour", errors[0].reason) in errors
    assert {e.column for e in errors if e.reason == "required column missing"} >= {
        "project",
        "category",
        "unit_cost",
    }


def test_a_csv_formula_is_refused(seeded: RegisterService, tmp_path: Path) -> None:
    path = _write(tmp_path / "f.csv", csv_text(row("A-1").replace("M1", '=HYPERLINK("x")')))
    errors = _refused(seeded, path)
    assert [(e.row, e.column) for e in errors] == [(2, "model")]
    assert "formula" in errors[0].reason


def test_a_million_rows_are_refused_before_parsing(
    seeded: RegisterService, store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "huge.csv"
    with path.open("w") as out:
        out.write(HEADER + "\n")
        line = row("S") + "\n"
        out.write(line * 1_000_000)
    errors = _refused(seeded, path, limits=Limits(max_file_bytes=1 << 30))
    assert len(errors) == 1
    assert "more than 100000 data rows" in errors[0].reason
    assert _counts(store) == (0, 0, 0, 0)


def test_file_size_limit(seeded: RegisterService, tmp_path: Path) -> None:
    path = _write(tmp_path / "big.csv", csv_text(*(row(f"S-{i}") for i in range(100))))
    errors = _refused(seeded, path, limits=Limits(max_file_bytes=1000))
    assert "at most 1000" in errors[0].reason


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for values in rows:
        sheet.append(values)
    workbook.save(path)
    return path


XLSX_HEADER: list[object] = [
    "Project",
    "Category",
    "Serial",
    "Model",
    "Vendor",
    "Unit cost",
    "Currency",
    "Delivered on",
    "Warranty until",
]


def test_a_real_xlsx_is_imported(seeded: RegisterService, store: Store, tmp_path: Path) -> None:
    from datetime import datetime

    path = _xlsx(
        tmp_path / "d.xlsx",
        [
            XLSX_HEADER,
            [
                "P1",
                "drone",
                "DR-1",
                "Quad",
                "Aero",
                18000,
                "EUR",
                datetime(2026, 5, 2),
                datetime(2029, 5, 2),
            ],
            ["P1", "radar", "RD-1", "R-9", "Radars", 250000.5, "EUR", "2026-05-03", None],
        ],
    )
    result = import_assets(seeded, path, actor=ACTOR, time=T0)
    assert result.assets == 2
    asset = RegisterReader(store.sessions).asset(ALL, "DR-1")
    assert str(asset.details.warranty_until) == "2029-05-02"


def test_xlsx_formulas_are_refused_never_evaluated(
    seeded: RegisterService, store: Store, tmp_path: Path
) -> None:
    path = _xlsx(
        tmp_path / "f.xlsx",
        [
            XLSX_HEADER,
            ["P1", "drone", "DR-1", "Quad", "Aero", "=1000*2", "EUR", "2026-05-02", None],
        ],
    )
    errors = _refused(seeded, path)
    assert [(e.file, e.row, e.column) for e in errors] == [("f.xlsx", 2, "unit_cost")]
    assert _counts(store) == (0, 0, 0, 0)


def test_macro_workbooks_are_refused(seeded: RegisterService, tmp_path: Path) -> None:
    xlsm = _xlsx(tmp_path / "m.xlsm", [XLSX_HEADER])
    assert ".xlsm workbooks are refused" in _refused(seeded, xlsm)[0].reason
    disguised = tmp_path / "disguised.xlsx"
    with (
        zipfile.ZipFile(_xlsx(tmp_path / "plain.xlsx", [XLSX_HEADER])) as source,
        zipfile.ZipFile(disguised, "w") as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/vbaProject.bin", b"\x00" * 64)
    assert "macros" in _refused(seeded, disguised)[0].reason


def test_xlsx_row_limit_uses_the_declared_size(seeded: RegisterService, tmp_path: Path) -> None:
    rows: list[list[object]] = [XLSX_HEADER]
    rows.extend(
        ["P1", "drone", f"DR-{i}", "Q", "A", 1, "EUR", "2026-05-02", None] for i in range(12)
    )
    path = _xlsx(tmp_path / "many.xlsx", rows)
    errors = _refused(seeded, path, limits=Limits(max_rows=10))
    assert "more than 10 data rows" in errors[0].reason


def test_not_a_workbook(seeded: RegisterService, tmp_path: Path) -> None:
    path = _write(tmp_path / "fake.xlsx", "project,category\n")
    assert "not an .xlsx workbook" in _refused(seeded, path)[0].reason
    other = _write(tmp_path / "x.ods", "")
    assert "unknown file type" in _refused(seeded, other)[0].reason
