"""Position reports from field units' phones (TAK/CoT self SA) into the unit register.

:func:`position_sink` adapts the register to a TAK intake's ``on_field_unit`` callback
(``kordon.tak``): the report's uid is tried first (a unit registered with that ``cot_uid``),
then its callsign. Reports from phones no unit matches are ignored; a report the register
refuses (bad coordinates) is logged, never raised into the intake.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from kordon.units.errors import UnitInputError
from kordon.units.service import PositionUpdate, UnitService

logger = logging.getLogger(__name__)


class FieldReport(Protocol):
    """What a position report carries (``kordon.interop.cot.inbound.FieldUnitPosition``)."""

    @property
    def uid(self) -> str: ...
    @property
    def callsign(self) -> str: ...
    @property
    def lat(self) -> float: ...
    @property
    def lon(self) -> float: ...
    @property
    def time(self) -> datetime: ...


def store_report(units: UnitService, report: FieldReport, *, source: str = "cot") -> PositionUpdate:
    """Store ``report`` for the unit with its uid, else its callsign."""
    outcome = units.update_position(report.uid, report.lat, report.lon, report.time, source=source)
    if outcome is PositionUpdate.UNKNOWN_UNIT and report.callsign:
        outcome = units.update_position(
            report.callsign, report.lat, report.lon, report.time, source=source
        )
    return outcome


def store_report_or_log(units: UnitService, report: FieldReport, *, source: str = "cot") -> None:
    """Store one report from a TAK intake (or ignore it); a refusal is logged."""
    try:
        store_report(units, report, source=source)
    except UnitInputError as exc:
        logger.warning("position of %s (%s) refused: %s", report.callsign, report.uid, exc)


def position_sink(units: UnitService, *, source: str = "cot") -> Callable[[FieldReport], None]:
    """A callback for a TAK intake: each report stored (or ignored), errors logged."""

    def sink(report: FieldReport) -> None:
        store_report_or_log(units, report, source=source)

    return sink
