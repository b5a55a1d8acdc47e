"""``Asset``: one serial's current state (derived from its history), and ``Deployment``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kordon.register.categories import Category
from kordon.register.status import AssetStatus


@dataclass(frozen=True, slots=True)
class Deployment:
    """Where a deployed asset is. ``device_id`` links it to a device of the site file,
    whose health is then the asset's health."""

    outpost: str
    sector_id: str | None = None
    position: str | None = None
    device_id: str | None = None


@dataclass(frozen=True, slots=True)
class AssetDetails:
    """What the manufacturer and the delivery say about a serial (correctable)."""

    model: str
    vendor: str
    lot: str | None = None
    warranty_until: date | None = None


@dataclass(frozen=True, slots=True)
class Asset:
    id: str
    serial: str
    project_id: str
    line_id: str
    category: Category
    details: AssetDetails
    status: AssetStatus
    delivery_id: str | None
    holder_id: str | None
    deployment: Deployment | None
    status_report: str | None
    last_check_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class NewAsset:
    """A serial to register (one import row, or one API request), checked on its own;
    references (project, holder, device) are checked against the register when written."""

    serial: str
    project_id: str
    category: Category
    details: AssetDetails
    unit_cost_minor: int
    currency: str
    delivered_on: date
    received_by: str
    status: AssetStatus = AssetStatus.IN_STORE
    holder_id: str | None = None
    deployment: Deployment | None = None
    report: str | None = None
