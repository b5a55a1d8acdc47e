"""Planning an import against the register: every reference checked, nothing written.

``plan_import`` runs inside the importing transaction. It gathers every error of every row
(duplicate serials in the file or already registered, unknown projects, people, devices or
sectors, a currency other than the project's, a unit cost above the project's total) and
raises ``ImportRefusedError`` with all of them; otherwise it returns what to insert:
procurement lines to create (one per project, category and unit cost not yet bought),
deliveries (one per project, date and receiver) and the assets with their line and delivery.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kordon.register.asset import NewAsset
from kordon.register.errors import ImportRefusedError, RowError
from kordon.register.site import SiteDevices
from kordon.register.spreadsheet import Table
from kordon.store.models_register import (
    RegisterAssetRow,
    RegisterLineRow,
    RegisterPersonRow,
    RegisterProjectRow,
)

CHUNK = 500


@dataclass(frozen=True, slots=True)
class PlannedAsset:
    row: int
    asset: NewAsset
    line_id: str
    delivery_id: str


@dataclass(slots=True)
class ImportPlan:
    assets: list[PlannedAsset] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    serials_sha256: str = ""


@dataclass(frozen=True, slots=True)
class ImportResult:
    import_id: str
    file: str
    assets: int
    lines_created: int
    deliveries: int


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _existing(session: Session, column: Any, values: set[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(values)):
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def plan_import(
    session: Session,
    table: Table,
    parsed: Sequence[tuple[int, NewAsset]],
    *,
    time: datetime,
    actor: str,
    site: SiteDevices,
) -> ImportPlan:
    """What to insert for ``parsed`` rows; ``ImportRefusedError`` with every error otherwise
    (``table.errors`` included)."""
    errors = list(table.errors)
    file = table.file

    def error(row: int, column: str, reason: str) -> None:
        errors.append(RowError(file, row, column, reason))

    first_row: dict[str, int] = {}
    devices_in_file: dict[str, int] = {}
    for row, asset in parsed:
        if asset.serial in first_row:
            error(
                row,
                "serial",
                f"duplicate serial {asset.serial} (also on row {first_row[asset.serial]})",
            )
        else:
            first_row[asset.serial] = row
        dep = asset.deployment
        if dep is not None and dep.device_id is not None:
            if dep.device_id in devices_in_file:
                error(
                    row,
                    "device_id",
                    f"device {dep.device_id} is also linked on row "
                    f"{devices_in_file[dep.device_id]}",
                )
            else:
                devices_in_file[dep.device_id] = row
            if site.device_ids is not None and dep.device_id not in site.device_ids:
                error(
                    row, "device_id", f"device {dep.device_id!r} is not configured in the site file"
                )
        known = site.sector_ids
        if (
            dep is not None
            and dep.sector_id is not None
            and known is not None
            and dep.sector_id not in known
        ):
            error(
                row,
                "sector",
                f"unknown sector {dep.sector_id!r} (sectors: {', '.join(sorted(known)) or 'none'})",
            )

    registered = _existing(session, RegisterAssetRow.serial, set(first_row))
    linked = _existing(session, RegisterAssetRow.device_id, set(devices_in_file))
    projects = {
        p.id: p
        for chunk in _chunks(sorted({a.project_id for _, a in parsed}))
        for p in session.scalars(select(RegisterProjectRow).where(RegisterProjectRow.id.in_(chunk)))
    }
    people = _existing(
        session, RegisterPersonRow.id, {a.holder_id for _, a in parsed if a.holder_id is not None}
    )
    for row, asset in parsed:
        if asset.serial in registered:
            error(row, "serial", f"serial {asset.serial} is already registered")
        dep = asset.deployment
        if dep is not None and dep.device_id in linked:
            error(row, "device_id", f"device {dep.device_id} is already linked to another asset")
        project = projects.get(asset.project_id)
        if project is None:
            error(row, "project", f"no funding project {asset.project_id!r} in the register")
        else:
            if asset.currency != project.currency:
                error(
                    row,
                    "currency",
                    f"{asset.currency} differs from the project's currency {project.currency}",
                )
            if asset.unit_cost_minor > project.amount_minor:
                error(
                    row,
                    "unit_cost",
                    f"absurd unit cost {asset.unit_cost_minor / 100:.2f}: "
                    f"more than the project's total {project.amount_minor / 100:.2f}",
                )
        if asset.holder_id is not None and asset.holder_id not in people:
            error(
                row,
                "holder",
                f"no person {asset.holder_id!r} in the register "
                "(add people before issuing equipment to them)",
            )
    if errors:
        errors.sort(key=lambda e: (e.row, e.column))
        raise ImportRefusedError(errors)
    return _build(session, table.file, parsed, time=time, actor=actor)


def _build(
    session: Session,
    source: str,
    parsed: Sequence[tuple[int, NewAsset]],
    *,
    time: datetime,
    actor: str,
) -> ImportPlan:
    plan = ImportPlan()
    project_ids = sorted({a.project_id for _, a in parsed})
    lines: dict[tuple[str, str, int, str], str] = {}
    for chunk in _chunks(project_ids):
        for line in session.scalars(
            select(RegisterLineRow)
            .where(RegisterLineRow.project_id.in_(chunk))
            .order_by(RegisterLineRow.id)
        ):
            key = (line.project_id, line.category, line.unit_cost_minor, line.currency)
            lines.setdefault(key, line.id)
    new_lines: dict[tuple[str, str, int, str], dict[str, Any]] = {}
    deliveries: dict[tuple[str, date, str], dict[str, Any]] = {}
    for row, asset in parsed:
        key = (asset.project_id, str(asset.category), asset.unit_cost_minor, asset.currency)
        line_id = lines.get(key)
        if line_id is None:
            created = new_lines.get(key)
            if created is None:
                created = {
                    "id": uuid.uuid4().hex,
                    "project_id": asset.project_id,
                    "category": str(asset.category),
                    "description": f"{asset.category} (from {source})"[:256],
                    "quantity": 0,
                    "unit_cost_minor": asset.unit_cost_minor,
                    "currency": asset.currency,
                }
                new_lines[key] = created
            created["quantity"] += 1
            line_id = str(created["id"])
        dkey = (asset.project_id, asset.delivered_on, asset.received_by)
        delivery = deliveries.get(dkey)
        if delivery is None:
            delivery = {
                "id": uuid.uuid4().hex,
                "project_id": asset.project_id,
                "delivered_on": asset.delivered_on,
                "received_by": asset.received_by,
                "documents": [{"name": source}],
                "created_at": time,
                "created_by": actor,
            }
            deliveries[dkey] = delivery
        plan.assets.append(
            PlannedAsset(row=row, asset=asset, line_id=line_id, delivery_id=str(delivery["id"]))
        )
    plan.lines = list(new_lines.values())
    plan.deliveries = list(deliveries.values())
    serials = "\n".join(sorted(a.serial for _, a in parsed)).encode()
    plan.serials_sha256 = hashlib.sha256(serials).hexdigest()
    return plan
