"""Exporting the register (what a reader may see) as CSV or XLSX.

The columns are the import's, so an export re-imports into an empty register; ``id``-like
columns follow. Text that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-`` or ``@``) is written as text: prefixed with ``'`` in CSV, typed as a string in XLSX.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kordon.register.money import format_amount
from kordon.register.reader import AssetFilter, filtered, scoped
from kordon.register.rows import COLUMNS, EXPORT_ONLY
from kordon.register.scope import RegisterScope
from kordon.store.models_register import RegisterAssetRow, RegisterDeliveryRow, RegisterLineRow
from kordon.store.session import translate_errors

HEADER = (*COLUMNS, *EXPORT_ONLY)
PAGE = 2000
RISKY = ("=", "+", "-", "@", "\t", "\r")


def export_rows(
    sessions: sessionmaker[Session], scope: RegisterScope, where: AssetFilter | None = None
) -> Iterator[list[str]]:
    """Every visible asset as a row of text cells in ``HEADER`` order, by serial."""
    a, line, d = RegisterAssetRow, RegisterLineRow, RegisterDeliveryRow
    after = ""
    while True:
        statement = filtered(
            scoped(
                select(a, line.unit_cost_minor, line.currency, d.delivered_on, d.received_by)
                .join(line, line.id == a.line_id)
                .outerjoin(d, d.id == a.delivery_id),
                scope,
            ),
            where or AssetFilter(),
        )
        statement = statement.where(a.serial > after).order_by(a.serial).limit(PAGE)
        with translate_errors("exporting the register"), sessions() as session:
            page = list(session.execute(statement))
        for row, cost, currency, delivered_on, received_by in page:
            values = {
                "project": row.project_id,
                "category": row.category,
                "serial": row.serial,
                "model": row.model,
                "vendor": row.vendor,
                "unit_cost": format_amount(cost),
                "currency": currency,
                "delivered_on": delivered_on.isoformat() if delivered_on else "",
                "lot": row.lot or "",
                "warranty_until": row.warranty_until.isoformat() if row.warranty_until else "",
                "received_by": received_by or "",
                "status": row.status,
                "holder": row.holder_id or "",
                "outpost": row.outpost or "",
                "sector": row.sector_id or "",
                "position": row.position or "",
                "device_id": row.device_id or "",
                "report": row.status_report or "",
                "last_check_at": row.last_check_at.isoformat() if row.last_check_at else "",
                "updated_at": row.updated_at.isoformat(),
            }
            yield [values[c] for c in HEADER]
        if len(page) < PAGE:
            return
        after = page[-1][0].serial


def _csv_safe(text: str) -> str:
    return "'" + text if text.startswith(RISKY) else text


def write_csv(rows: Iterator[list[str]], path: Path) -> int:
    """Write ``rows`` under ``HEADER``; the number of data rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow([_csv_safe(c) for c in row])
            count += 1
    return count


def write_xlsx(rows: Iterator[list[str]], path: Path) -> int:
    """Write ``rows`` under ``HEADER`` into a one-sheet workbook (no formulas, no macros)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("register")
    sheet.append(list(HEADER))
    count = 0
    for row in rows:
        cells = []
        for text in row:
            cell = WriteOnlyCell(sheet, value=text)
            cell.data_type = "s"  # never a formula, whatever the text starts with
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(path)
    return count


def export_file(
    sessions: sessionmaker[Session],
    scope: RegisterScope,
    path: Path,
    where: AssetFilter | None = None,
) -> int:
    """Export to ``path`` (``.csv`` or ``.xlsx``); the number of assets written."""
    rows = export_rows(sessions, scope, where)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return write_csv(rows, path)
    if suffix == ".xlsx":
        return write_xlsx(rows, path)
    raise ValueError(f"cannot export to {suffix!r}: use .csv or .xlsx")
