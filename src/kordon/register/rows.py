"""Parsing one row of an asset import into a ``NewAsset``, or the row's errors.

Cells arrive as text (the spreadsheet reader turns numbers and dates into text). Every
problem of a row is reported, not only the first, each naming its column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from kordon.register.asset import AssetDetails, Deployment, NewAsset
from kordon.register.categories import Category, parse_category
from kordon.register.money import check_currency, parse_amount
from kordon.register.status import AssetStatus, parse_status

REQUIRED = (
    "project",
    "category",
    "serial",
    "model",
    "vendor",
    "unit_cost",
    "currency",
    "delivered_on",
)
OPTIONAL = (
    "lot",
    "warranty_until",
    "received_by",
    "status",
    "holder",
    "outpost",
    "sector",
    "position",
    "device_id",
    "report",
)
COLUMNS = REQUIRED + OPTIONAL
"""The columns of an asset import (and export), in order."""
EXPORT_ONLY = ("last_check_at", "updated_at")
"""Columns an export adds; an import accepts and ignores them (so exports re-import)."""

SERIAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:#-]{0,127}$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_TEXT = 128
MAX_REPORT = 4000
EARLIEST = date(1990, 1, 1)


@dataclass(frozen=True, slots=True)
class CellError:
    column: str
    reason: str


def _text(
    cells: Mapping[str, str],
    column: str,
    errors: list[CellError],
    *,
    required: bool = False,
    limit: int = MAX_TEXT,
) -> str | None:
    value = cells.get(column, "").strip()
    if not value:
        if required:
            errors.append(CellError(column, "required, but empty"))
        return None
    if any(ord(ch) < 32 for ch in value):
        errors.append(CellError(column, "contains control characters"))
        return None
    if len(value) > limit:
        errors.append(CellError(column, f"{len(value)} characters; at most {limit}"))
        return None
    return value


def _date(
    cells: Mapping[str, str],
    column: str,
    errors: list[CellError],
    *,
    today: date,
    required: bool = False,
    future_ok: bool = False,
) -> date | None:
    value = _text(cells, column, errors, required=required)
    if value is None:
        return None
    text = value[:10] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]00:00(:00)?$", value) else value
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        errors.append(CellError(column, f"not a date (YYYY-MM-DD): {value!r}"))
        return None
    if not future_ok and parsed > today:
        errors.append(CellError(column, f"{parsed.isoformat()} is in the future"))
        return None
    if parsed < EARLIEST:
        errors.append(CellError(column, f"{parsed.isoformat()} is before {EARLIEST.year}"))
        return None
    return parsed


def parse_asset_row(cells: Mapping[str, str], *, today: date) -> NewAsset | list[CellError]:
    """The asset this row describes, or every error found in it."""
    errors: list[CellError] = []
    project = _text(cells, "project", errors, required=True, limit=64)
    if project is not None and not ID_RE.fullmatch(project):
        errors.append(CellError("project", f"invalid project id {project!r}"))
    category: Category | None = None
    raw_category = _text(cells, "category", errors, required=True)
    if raw_category is not None:
        try:
            category = parse_category(raw_category)
        except ValueError as exc:
            errors.append(CellError("category", str(exc)))
    serial = _text(cells, "serial", errors, required=True)
    if serial is not None and not SERIAL_RE.fullmatch(serial):
        errors.append(
            CellError("serial", f"invalid serial {serial!r}: letters, digits, . _ / : # -")
        )
    model = _text(cells, "model", errors, required=True)
    vendor = _text(cells, "vendor", errors, required=True)
    lot = _text(cells, "lot", errors)
    unit_cost: int | None = None
    raw_cost = _text(cells, "unit_cost", errors, required=True)
    if raw_cost is not None:
        try:
            unit_cost = parse_amount(raw_cost)
        except ValueError as exc:
            errors.append(CellError("unit_cost", str(exc)))
    currency: str | None = None
    raw_currency = _text(cells, "currency", errors, required=True)
    if raw_currency is not None:
        try:
            currency = check_currency(raw_currency)
        except ValueError as exc:
            errors.append(CellError("currency", str(exc)))
    delivered_on = _date(cells, "delivered_on", errors, today=today, required=True)
    warranty = _date(cells, "warranty_until", errors, today=today, future_ok=True)
    received_by = _text(cells, "received_by", errors) or ""
    status = AssetStatus.IN_STORE
    raw_status = _text(cells, "status", errors)
    if raw_status is not None:
        try:
            status = parse_status(raw_status)
        except ValueError as exc:
            errors.append(CellError("status", str(exc)))
    holder = _text(cells, "holder", errors, limit=64)
    if holder is not None and not ID_RE.fullmatch(holder):
        errors.append(CellError("holder", f"invalid person id {holder!r}"))
    outpost = _text(cells, "outpost", errors)
    sector = _text(cells, "sector", errors)
    position = _text(cells, "position", errors)
    device_id = _text(cells, "device_id", errors)
    report = _text(cells, "report", errors, limit=MAX_REPORT)
    if status.needs_report and report is None:
        errors.append(CellError("report", f"status {status} needs a report"))
    if status is AssetStatus.ISSUED and holder is None:
        errors.append(CellError("holder", "status issued needs the person holding it"))
    if status is not AssetStatus.ISSUED and holder is not None:
        errors.append(CellError("holder", f"a holder is given but the status is {status}"))
    if status is AssetStatus.DEPLOYED and outpost is None:
        errors.append(CellError("outpost", "status deployed needs an outpost"))
    if status is not AssetStatus.DEPLOYED and (outpost or sector or position or device_id):
        errors.append(CellError("outpost", f"a deployment is given but the status is {status}"))
    if device_id is not None and category is not None and not category.networked:
        errors.append(CellError("device_id", f"a {category} is not a networked device"))
    if delivered_on is not None and warranty is not None and warranty < delivered_on:
        errors.append(CellError("warranty_until", "warranty ends before the delivery"))
    if errors:
        return errors
    if (
        project is None
        or category is None
        or serial is None
        or model is None
        or vendor is None
        or unit_cost is None
        or currency is None
        or delivered_on is None
    ):  # every required cell was checked above
        raise AssertionError("a required cell is missing without an error")
    deployment = None
    if outpost is not None:
        deployment = Deployment(
            outpost=outpost, sector_id=sector, position=position, device_id=device_id
        )
    return NewAsset(
        serial=serial,
        project_id=project,
        category=category,
        details=AssetDetails(model=model, vendor=vendor, lot=lot, warranty_until=warranty),
        unit_cost_minor=unit_cost,
        currency=currency,
        delivered_on=delivered_on,
        received_by=received_by,
        status=status,
        holder_id=holder,
        deployment=deployment,
        report=report,
    )
