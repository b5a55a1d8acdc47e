"""``import_assets``: a CSV or XLSX file into the register, all rows or none.

Reading (``spreadsheet``), parsing each row (``rows``) and checking every reference
(``plan``) each add their errors; if there is any, ``ImportRefusedError`` lists them all
(file, row, column, reason) and nothing is written. Otherwise every row is written in one
transaction with one audit entry carrying the file's SHA-256.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from kordon.domain.time import require_utc
from kordon.register.asset import NewAsset
from kordon.register.errors import ImportRefusedError, RowError
from kordon.register.plan import ImportResult
from kordon.register.rows import COLUMNS, EXPORT_ONLY, REQUIRED, parse_asset_row
from kordon.register.service import RegisterService
from kordon.register.spreadsheet import FileRefusedError, Limits, Table, read_table


def check_columns(table: Table) -> None:
    """Header errors (unknown, duplicate or missing columns) go into ``table.errors``."""
    seen: set[str] = set()
    for column in table.columns:
        if not column:
            continue
        if column not in COLUMNS and column not in EXPORT_ONLY:
            table.errors.append(
                RowError(table.file, 1, column, f"unknown column; columns: {', '.join(COLUMNS)}")
            )
        elif column in seen:
            table.errors.append(RowError(table.file, 1, column, "column given twice"))
        seen.add(column)
    for column in REQUIRED:
        if column not in seen:
            table.errors.append(RowError(table.file, 1, column, "required column missing"))


def parse_table(table: Table, *, today: datetime) -> list[tuple[int, NewAsset]]:
    """Each row parsed; row errors go into ``table.errors``."""
    parsed: list[tuple[int, NewAsset]] = []
    day = require_utc(today).date()
    # a cell refused while reading (a formula) is reported once, not again as "empty"
    reported = {(e.row, e.column) for e in table.errors}
    for number, cells in table.rows:
        result = parse_asset_row(cells, today=day)
        if isinstance(result, NewAsset):
            if not any(row == number for row, _ in reported):
                parsed.append((number, result))
            continue
        table.errors.extend(
            RowError(table.file, number, e.column, e.reason)
            for e in result
            if (number, e.column) not in reported
        )
    return parsed


def import_assets(
    service: RegisterService,
    path: Path,
    *,
    actor: str,
    time: datetime,
    name: str | None = None,
    limits: Limits | None = None,
) -> ImportResult:
    """Import ``path``; ``ImportRefusedError`` (nothing written) listing every error."""
    time = require_utc(time)
    try:
        table = read_table(path, name=name, limits=limits)
    except FileRefusedError as exc:
        raise ImportRefusedError([exc.error]) from None
    check_columns(table)
    if table.errors and any(e.row == 1 for e in table.errors):
        raise ImportRefusedError(table.errors)
    parsed = parse_table(table, today=time)
    if not parsed and not table.errors:
        raise ImportRefusedError([RowError(table.file, 0, "", "no data rows")])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return service.import_table(table, parsed, actor=actor, time=time, file_sha256=digest)
