"""Reading an import file (CSV or XLSX) into text cells, refusing what must not be read.

Refused with a clear error, before any row is parsed: an unknown extension, a macro-enabled
workbook (``.xlsm``, or any workbook carrying a VBA project), a file or an unpacked workbook
above the size limits, more rows than the row limit. Cells holding formulas are errors of
their row (formulas are never evaluated: the workbook is read as stored). openpyxl is used
only here.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from kordon.register.errors import RowError

MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_ROWS = 100_000
"""Rows per import (1 M rows is refused: split the file)."""
FORMULA_PREFIX = "="


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = MAX_FILE_BYTES
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES
    max_rows: int = MAX_ROWS


@dataclass(slots=True)
class Table:
    """The header and data rows of a file; ``errors`` holds the cell and file problems."""

    file: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    """(1-based row number, column -> text)."""
    errors: list[RowError] = field(default_factory=list)


class FileRefusedError(Exception):
    """The whole file is refused (the reason names the file)."""

    def __init__(self, error: RowError) -> None:
        self.error = error
        super().__init__(str(error))


def normalise_column(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def cell_text(value: object) -> str:
    """A cell as text: dates ISO, integral numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    return str(value)


def read_table(path: Path, *, name: str | None = None, limits: Limits | None = None) -> Table:
    """Read ``path`` (``.csv`` or ``.xlsx``); ``FileRefusedError`` when the file as a whole is
    refused. ``name`` is how errors name the file (default: its file name)."""
    limits = limits or Limits()
    shown = name or path.name
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FileRefusedError(RowError(shown, 0, "", f"cannot read: {exc.strerror}")) from None
    if size > limits.max_file_bytes:
        raise FileRefusedError(
            RowError(shown, 0, "", f"file is {size} bytes; at most {limits.max_file_bytes}")
        )
    if suffix == ".csv":
        return _read_csv(path.read_bytes(), shown, limits)
    if suffix == ".xlsx":
        return _read_xlsx(path, shown, limits)
    if suffix in (".xlsm", ".xltm", ".xlsb", ".xls"):
        raise FileRefusedError(
            RowError(
                shown,
                0,
                "",
                f"{suffix} workbooks are refused (macros or legacy format); "
                "save as .xlsx without macros, or as .csv",
            )
        )
    raise FileRefusedError(RowError(shown, 0, "", f"unknown file type {suffix!r}: .csv or .xlsx"))


def _header(table: Table, raw: Sequence[object]) -> None:
    table.columns = [normalise_column(cell_text(c)) for c in raw]


def _too_many(shown: str, limits: Limits, seen: int) -> FileRefusedError:
    return FileRefusedError(
        RowError(
            shown,
            0,
            "",
            f"more than {limits.max_rows} data rows ({seen} or more): "
            "refused, nothing imported; split the file",
        )
    )


def _add_row(table: Table, number: int, values: Sequence[object]) -> None:
    cells: dict[str, str] = {}
    for index, value in enumerate(values):
        text = cell_text(value)
        if index >= len(table.columns):
            if text.strip():
                table.errors.append(
                    RowError(
                        table.file, number, f"#{index + 1}", "a value outside the header's columns"
                    )
                )
            continue
        column = table.columns[index]
        if text.startswith(FORMULA_PREFIX):
            table.errors.append(
                RowError(
                    table.file, number, column, "a formula; formulas are refused (enter the value)"
                )
            )
            continue
        cells[column] = text
    if any(v.strip() for v in cells.values()):
        table.rows.append((number, cells))


def _read_csv(data: bytes, shown: str, limits: Limits) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefusedError(
            RowError(shown, 0, "", f"not UTF-8 text (byte {exc.start}); save as CSV UTF-8")
        ) from None
    if "\x00" in text:
        raise FileRefusedError(RowError(shown, 0, "", "a NUL byte: not a CSV text file"))
    reader = csv.reader(io.StringIO(text, newline=""))
    table = Table(file=shown, columns=[])
    try:
        first = next(reader, None)
        if first is None:
            raise FileRefusedError(RowError(shown, 1, "", "the file is empty (no header)"))
        _header(table, first)
        for count, values in enumerate(reader, start=1):
            if count > limits.max_rows:
                raise _too_many(shown, limits, count)
            _add_row(table, count + 1, values)
    except csv.Error as exc:
        raise FileRefusedError(RowError(shown, 0, "", f"malformed CSV: {exc}")) from None
    return table


def _check_workbook_zip(path: Path, shown: str, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRefusedError(RowError(shown, 0, "", f"not an .xlsx workbook: {exc}")) from None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise FileRefusedError(
            RowError(shown, 0, "", "the workbook carries macros (a VBA project): refused")
        )
    if unpacked > limits.max_unpacked_bytes:
        raise FileRefusedError(
            RowError(
                shown,
                0,
                "",
                f"the workbook unpacks to {unpacked} bytes; at most {limits.max_unpacked_bytes}",
            )
        )


def _read_xlsx(path: Path, shown: str, limits: Limits) -> Table:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _check_workbook_zip(path, shown, limits)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_vba=False)
    except (InvalidFileException, KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise FileRefusedError(RowError(shown, 0, "", f"cannot read the workbook: {exc}")) from None
    try:
        sheet = workbook.worksheets[0]
        declared = sheet.max_row
        if declared is not None and declared - 1 > limits.max_rows:
            raise _too_many(shown, limits, declared - 1)
        table = Table(file=shown, columns=[])
        rows = sheet.iter_rows()
        first = next(rows, None)
        if first is None:
            raise FileRefusedError(RowError(shown, 1, "", "the sheet is empty (no header)"))
        _header(table, [c.value for c in first])
        for count, row in enumerate(rows, start=1):
            if count > limits.max_rows:
                raise _too_many(shown, limits, count)
            number = count + 1
            values: list[object] = []
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    values.append(FORMULA_PREFIX)  # reported as a formula by _add_row
                else:
                    values.append(getattr(cell, "value", None))
            _add_row(table, number, values)
        return table
    finally:
        workbook.close()
