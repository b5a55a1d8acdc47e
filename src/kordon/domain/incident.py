"""``Incident``: what an operator handles, with an explicit lifecycle."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from kordon.domain.errors import KordonError
from kordon.domain.time import require_utc


class IncidentStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Resolution(StrEnum):
    TRUE_ALARM = "true_alarm"
    FALSE_ALARM = "false_alarm"
    DUPLICATE = "duplicate"


ALLOWED_TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    IncidentStatus.OPEN: frozenset(
        {IncidentStatus.ACKNOWLEDGED, IncidentStatus.DISPATCHED, IncidentStatus.RESOLVED}
    ),
    IncidentStatus.ACKNOWLEDGED: frozenset({IncidentStatus.DISPATCHED, IncidentStatus.RESOLVED}),
    IncidentStatus.DISPATCHED: frozenset({IncidentStatus.RESOLVED}),
    IncidentStatus.RESOLVED: frozenset({IncidentStatus.CLOSED, IncidentStatus.OPEN}),
    IncidentStatus.CLOSED: frozenset(),
}


class InvalidTransitionError(KordonError):
    """An incident was asked to move to a state its lifecycle does not allow."""


@dataclass(frozen=True, slots=True)
class IncidentStep:
    """One step of an incident's history: who moved it where, when, and why."""

    status: IncidentStatus
    actor: str
    time: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class CrossingCounts:
    """How many crossings of each direction an incident holds.

    ``inbound``/``outbound`` cross the state border (inbound is into the home country);
    ``line_in``/``line_out`` cross an image line (its ``in``/``out`` directions).
    """

    inbound: int = 0
    outbound: int = 0
    line_in: int = 0
    line_out: int = 0

    def __post_init__(self) -> None:
        for name in ("inbound", "outbound", "line_in", "line_out"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")

    @property
    def total(self) -> int:
        return self.inbound + self.outbound + self.line_in + self.line_out


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    title: str
    opened_at: datetime
    priority: int
    status: IncidentStatus = IncidentStatus.OPEN
    sector_id: str | None = None
    event_ids: tuple[str, ...] = ()
    assignee: str | None = None
    resolution: Resolution | None = None
    history: tuple[IncidentStep, ...] = field(default=())
    dispatched_unit: str | None = None
    """The unit sent to the scene (set by the incident service on dispatch)."""
    sla_due_at: datetime | None = None
    """When an unacknowledged incident escalates (from its priority's SLA)."""
    escalated_at: datetime | None = None
    """When it was escalated for staying unacknowledged past ``sla_due_at``; ``None`` if not."""
    last_alert_at: datetime | None = None
    """When operators were last alerted to it (opened, or a new crossing, track or direction;
    set by the incident service, see docs/alerts.md)."""
    crossings: CrossingCounts = field(default_factory=CrossingCounts)
    """Its crossings by direction (set by the incident service)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "opened_at", require_utc(self.opened_at, name="opened_at"))
        for name in ("sla_due_at", "escalated_at", "last_alert_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, require_utc(value, name=name))
        if not 1 <= self.priority <= 5:
            raise ValueError(f"priority must be 1 (highest) to 5, got {self.priority}")

    def transition(
        self,
        to: IncidentStatus,
        *,
        actor: str,
        time: datetime,
        note: str = "",
        resolution: Resolution | None = None,
    ) -> Incident:
        """Return the incident moved to ``to``; raise ``InvalidTransitionError`` if not allowed."""
        if to not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransitionError(
                f"incident {self.id}: cannot go from {self.status} to {to}"
            )
        if to is IncidentStatus.RESOLVED and resolution is None:
            raise InvalidTransitionError(f"incident {self.id}: resolving needs a resolution")
        step = IncidentStep(status=to, actor=actor, time=require_utc(time), note=note)
        return replace(
            self,
            status=to,
            resolution=resolution if to is IncidentStatus.RESOLVED else self.resolution,
            history=(*self.history, step),
        )
