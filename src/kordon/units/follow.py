"""How a unit follows its incident, inside the incident's own transaction.

Dispatch binds one unit to the incident (``dispatched``); resolving or closing the
incident frees every unit still bound to it (``dispatched``, ``on_scene`` or ``returning``
→ ``available``); reopening does not send anyone again. The incident service calls these
with a repository on its transaction, so the incident and its unit change together or not
at all.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from kordon.units.errors import UnitNotFoundError, UnitUnavailableError
from kordon.units.model import Unit, UnitStatus
from kordon.units.store import UnitRepository


def bind(
    units: UnitRepository,
    *,
    unit_id: str,
    incident_id: str,
    force: bool,
    sectors: Collection[str] | None,
    time: datetime,
) -> Unit:
    """Send ``unit_id`` to ``incident_id``.

    The unit must be ``available``; with ``force`` any unit but one ``out_of_service`` is
    taken (off the incident it was bound to, if any). A unit outside ``sectors`` (the
    caller's scope; ``None``: all) is not found, like an unknown id.
    """
    try:
        unit = units.get(unit_id)
    except UnitNotFoundError:
        raise UnitNotFoundError(f"no unit with id {unit_id!r}") from None
    if sectors is not None and unit.sector_id not in sectors:
        raise UnitNotFoundError(f"no unit with id {unit_id!r}")
    if unit.incident_id == incident_id and unit.status is not UnitStatus.AVAILABLE:
        raise UnitUnavailableError(
            f"unit {unit.callsign!r} is already {unit.status} on incident {incident_id}"
        )
    if unit.status is UnitStatus.OUT_OF_SERVICE:
        raise UnitUnavailableError(
            f"unit {unit.callsign!r} is out of service and cannot be dispatched"
        )
    if unit.status is not UnitStatus.AVAILABLE and not force:
        where = f" on incident {unit.incident_id}" if unit.incident_id else ""
        raise UnitUnavailableError(
            f"unit {unit.callsign!r} is {unit.status}{where}, not available; "
            "choose another unit or dispatch with force to take it"
        )
    return units.change(
        unit,
        {"status": UnitStatus.DISPATCHED, "incident_id": incident_id},
        time=time,
        what="dispatching",
    )


def release(units: UnitRepository, *, incident_id: str, time: datetime) -> list[Unit]:
    """Free every unit bound to ``incident_id``: it becomes ``available``."""
    return [
        units.change(
            unit,
            {"status": UnitStatus.AVAILABLE, "incident_id": None},
            time=time,
            what="releasing",
        )
        for unit in units.bound_to(incident_id)
    ]
