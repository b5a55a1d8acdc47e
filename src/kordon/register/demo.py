"""The demo register: the Volyn example site's equipment under a fictional funding project.

Everything here is invented and labelled so: the project id starts with ``DEMO-``, its
name and donor say "DEMO", and ``demo`` is set (views show it). Seeding is idempotent:
when the demo project exists, nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kordon.domain.time import require_utc
from kordon.register.asset import AssetDetails, Deployment, NewAsset
from kordon.register.categories import Category
from kordon.register.custody import Person
from kordon.register.project import FundingProject
from kordon.register.service import RegisterService
from kordon.register.spreadsheet import Table
from kordon.register.status import AssetStatus

DEMO_PROJECT_ID = "DEMO-VOLYN-2026"
DEMO_DONOR = "DEMO donor (fictional)"
DEMO_ACTOR = "demo-seed"
CURRENCY = "EUR"


@dataclass(frozen=True, slots=True)
class DemoCamera:
    """A camera of the site file: its id and sector."""

    id: str
    sector_id: str


@dataclass(frozen=True, slots=True)
class DemoResult:
    created: bool
    assets: int


_PEOPLE = (
    Person("DEMO-G001", "Guard One (demo)", "Border detachment 1"),
    Person("DEMO-G002", "Guard Two (demo)", "Border detachment 1"),
    Person("DEMO-G003", "Guard Three (demo)", "Border detachment 2"),
)

# (category, model, vendor, unit cost in EUR, how many)
_STOCK: tuple[tuple[Category, str, str, int, int], ...] = (
    (Category.RECORDER, "NVR-16 demo", "Demo Systems", 4_200, 1),
    (Category.DRONE, "Quad-X demo", "Demo Aero", 18_000, 2),
    (Category.GROUND_SENSOR, "Seismic-2 demo", "Demo Sensing", 2_500, 4),
    (Category.BODY_ARMOUR, "Plate carrier IV demo", "Demo Protect", 900, 12),
    (Category.HELMET, "Ballistic helmet demo", "Demo Protect", 450, 12),
    (Category.RADIO, "Handheld VHF demo", "Demo Radio", 700, 6),
    (Category.VEHICLE, "Patrol 4x4 demo", "Demo Motors", 52_000, 1),
    (Category.IT, "Rugged laptop demo", "Demo IT", 2_300, 2),
)


def seed_demo(
    service: RegisterService,
    *,
    cameras: Sequence[DemoCamera],
    sector_ids: Sequence[str],
    time: datetime,
) -> DemoResult:
    """Seed the demo register (a no-op when it exists). ``cameras`` and ``sector_ids``
    come from the site file: each camera becomes a camera asset deployed in its sector and
    linked to it (its health is the asset's health)."""
    time = require_utc(time)
    if any(p.id == DEMO_PROJECT_ID for p in service.projects()):
        return DemoResult(created=False, assets=0)
    today = time.date()
    service.create_project(
        FundingProject(
            id=DEMO_PROJECT_ID,
            name="DEMO - Volyn border equipment (fictional project)",
            donor=DEMO_DONOR,
            programme="DEMO border management programme",
            agreement_no="DEMO-0001",
            amount_minor=20_000_000 * 100,
            currency=CURRENCY,
            start_on=date(today.year, 1, 1),
            end_on=date(today.year + 2, 12, 31),
            check_interval_days=90,
            demo=True,
        ),
        actor=DEMO_ACTOR,
        time=time,
    )
    for person in _PEOPLE:
        service.add_person(person, actor=DEMO_ACTOR, time=time)
    delivered = today - timedelta(days=30)
    sectors: list[str | None] = [*sector_ids] or [None]
    parsed: list[tuple[int, NewAsset]] = []

    def add(asset: NewAsset) -> None:
        parsed.append((len(parsed) + 2, asset))

    for i, camera in enumerate(cameras, start=1):
        add(
            NewAsset(
                serial=f"DEMO-CAM-{i:04d}",
                project_id=DEMO_PROJECT_ID,
                category=Category.CAMERA,
                details=AssetDetails(
                    "PTZ-30x demo",
                    "Demo Optics",
                    lot="DEMO-LOT-1",
                    warranty_until=delivered + timedelta(days=3 * 365),
                ),
                unit_cost_minor=14_500 * 100,
                currency=CURRENCY,
                delivered_on=delivered,
                received_by="Logistics (demo)",
                status=AssetStatus.DEPLOYED,
                deployment=Deployment(
                    outpost=f"Tower of {camera.id}", sector_id=camera.sector_id, device_id=camera.id
                ),
            )
        )
    for category, model, vendor, cost, count in _STOCK:
        for n in range(1, count + 1):
            status, holder, deployment, report = AssetStatus.IN_STORE, None, None, None
            sector = sectors[(n - 1) % len(sectors)]
            if category in (Category.BODY_ARMOUR, Category.HELMET, Category.RADIO) and n <= 3:
                status, holder = AssetStatus.ISSUED, _PEOPLE[n - 1].id
            elif category in (Category.GROUND_SENSOR, Category.DRONE, Category.VEHICLE):
                status = AssetStatus.DEPLOYED
                deployment = Deployment(outpost=f"Outpost {sector or 'main'}", sector_id=sector)
            if category is Category.HELMET and n == count:
                status, report = AssetStatus.LOST, "DEMO: lost on patrol, report no. DEMO-17"
            add(
                NewAsset(
                    serial=f"DEMO-{category.value.upper().replace('_', '')}-{n:04d}",
                    project_id=DEMO_PROJECT_ID,
                    category=category,
                    details=AssetDetails(model, vendor, lot="DEMO-LOT-1"),
                    unit_cost_minor=cost * 100,
                    currency=CURRENCY,
                    delivered_on=delivered,
                    received_by="Logistics (demo)",
                    status=status,
                    holder_id=holder,
                    deployment=deployment,
                    report=report,
                )
            )
    result = service.import_table(
        Table(file="demo-seed", columns=[]),
        parsed,
        actor=DEMO_ACTOR,
        time=time,
        file_sha256=None,
    )
    return DemoResult(created=True, assets=result.assets)
