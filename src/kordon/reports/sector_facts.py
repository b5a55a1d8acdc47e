"""What a sector report states: plain, immutable facts gathered from the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from kordon.incidents.feedback import FalseAlarmStats
from kordon.reports.period import ReportPeriod

HOURS = 24


class Outcome(StrEnum):
    """How an incident opened in the period stands at report time."""

    TRUE_ALARM = "true alarm"
    FALSE_ALARM = "false alarm"
    DUPLICATE = "duplicate"
    DISPATCHED = "dispatched, not resolved"
    ACKNOWLEDGED = "acknowledged, not resolved"
    OPEN = "open, not acknowledged"


@dataclass(frozen=True, slots=True)
class CrossingsByHour:
    """Crossings per local hour of day (index 0 is 00:00-00:59), in and out.

    *In* is a border crossing inbound (into the home country) or an image line crossed in
    its ``in`` direction; *out* is outbound or ``out``.
    """

    inbound: tuple[int, ...] = (0,) * HOURS
    outbound: tuple[int, ...] = (0,) * HOURS
    border_inbound: int = 0
    border_outbound: int = 0
    line_in: int = 0
    line_out: int = 0

    def __post_init__(self) -> None:
        for name in ("inbound", "outbound"):
            if len(getattr(self, name)) != HOURS:
                raise ValueError(f"{name} needs {HOURS} hourly counts")

    @property
    def total_in(self) -> int:
        return sum(self.inbound)

    @property
    def total_out(self) -> int:
        return sum(self.outbound)


@dataclass(frozen=True, slots=True)
class DailyOutcomes:
    """Incidents opened on one local day, by outcome."""

    day: date
    counts: Mapping[Outcome, int]


@dataclass(frozen=True, slots=True)
class Durations:
    """A sample of durations in seconds, summarised."""

    count: int = 0
    median_s: float | None = None
    p90_s: float | None = None
    max_s: float | None = None


@dataclass(frozen=True, slots=True)
class ResponseTimes:
    """How fast incidents of one priority were handled, from opening.

    The acknowledgement is the first step out of ``open`` (an incident dispatched or
    resolved straight away counts as acknowledged then). ``within_sla`` counts incidents
    acknowledged within their priority's SLA; ``breached`` those acknowledged late plus
    those still unacknowledged after their SLA at report time; ``pending`` those still
    unacknowledged but within it.
    """

    priority: int
    incidents: int
    sla_s: float
    acknowledge: Durations
    dispatch: Durations
    resolve: Durations
    within_sla: int
    breached: int
    pending: int
    escalated: int

    @property
    def sla_met_share(self) -> float | None:
        judged = self.within_sla + self.breached
        return None if judged == 0 else self.within_sla / judged


@dataclass(frozen=True, slots=True)
class Outage:
    """A time a device was not up (offline, stopped or starting), clipped to the period."""

    device_id: str
    start: datetime
    end: datetime
    state: str
    detail: str
    ongoing: bool = False
    """Still down at the end of the period."""

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class DeviceUptime:
    """A device's availability over the part of the period its state is known.

    ``observed_s`` starts at its first status report (or the period start when one came
    before); ``up_s`` counts online and degraded time, ``degraded_s`` the degraded part.
    """

    device_id: str
    observed_s: float
    up_s: float
    degraded_s: float
    outages: tuple[Outage, ...] = ()

    @property
    def uptime(self) -> float | None:
        return None if self.observed_s <= 0 else self.up_s / self.observed_s


@dataclass(frozen=True, slots=True)
class SectorFacts:
    """Everything a sector report shows; ``sector_id`` ``None`` means the whole site."""

    site_id: str
    site_name: str
    sector_id: str | None
    sector_name: str | None
    period: ReportPeriod
    generated_at: datetime
    crossings: CrossingsByHour
    outcomes: Mapping[Outcome, int]
    daily: tuple[DailyOutcomes, ...]
    false_alarms: tuple[FalseAlarmStats, ...]
    responses: tuple[ResponseTimes, ...]
    devices: tuple[DeviceUptime, ...]
    min_outage_s: float = 60.0
    notes: tuple[str, ...] = field(default=())

    @property
    def incidents(self) -> int:
        return sum(self.outcomes.values())
