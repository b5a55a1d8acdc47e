"""Incident-service vocabulary: outcomes, actions, the audit hook, and small helpers."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from kordon.domain.event import Event
from kordon.domain.incident import IncidentStatus
from kordon.domain.time import require_utc
from kordon.incidents.alerts import IncidentAlert
from kordon.incidents.correlator import CorrelationDecision
from kordon.incidents.errors import IncidentInputError
from kordon.store import StoredIncident

ACTIVE_STATUSES = (IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED, IncidentStatus.DISPATCHED)
"""Incidents that new events may still join."""
MAX_ACTOR = 128
MAX_NOTE = 4000
SYSTEM_ACTOR = "system:incidents"


class AuditHook(Protocol):
    """Called inside the transaction of every operator action and escalation.

    If it raises, the action is rolled back: an action is never done without its audit.
    """

    def __call__(
        self,
        actor: str,
        action: str,
        subject: str,
        details: Mapping[str, str],
        time: datetime,
    ) -> None: ...


class Action(StrEnum):
    """What the activity log and the audit hook record."""

    OPEN = "open"
    ATTACH = "attach_event"
    REPRIORITIZE = "reprioritize"
    ACKNOWLEDGE = "acknowledge"
    DISPATCH = "dispatch"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    NOTE = "note"
    ASSIGN = "assign"
    ESCALATE = "escalate"
    ALERT = "alert"
    """Operators were alerted again: a new crossing, track or direction (docs/alerts.md)."""


class IngestOutcome(StrEnum):
    CREATED = "created"
    ATTACHED = "attached"
    DUPLICATE = "duplicate"
    """The event was already part of an incident: nothing changed, nothing published."""
    IGNORED = "ignored"
    """Stored, but joins nothing and opens nothing (``device_online`` with no incident)."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    outcome: IngestOutcome
    incident: StoredIncident | None
    decision: CorrelationDecision | None = None
    alert: IncidentAlert | None = None
    """The alert the event raised (it opened the incident, or re-alerted it); ``None`` when
    it joined silently or changed nothing."""


def no_audit(
    actor: str,  # noqa: ARG001 (the AuditHook signature)
    action: str,  # noqa: ARG001
    subject: str,  # noqa: ARG001
    details: Mapping[str, str],  # noqa: ARG001
    time: datetime,  # noqa: ARG001
) -> None:
    return None


def incident_id_for(event_id: str) -> str:
    """The id of the incident an event opens: derived from the event id, so deterministic."""
    return "inc-" + hashlib.sha256(event_id.encode("utf-8")).hexdigest()[:32]


def title_of(event: Event) -> str:
    words = [str(event.kind).replace("_", " ").capitalize()]
    if event.class_name:
        words.append(event.class_name)
    if event.direction is not None:
        words.append(str(event.direction))
    place = event.sector_id or event.source_id
    return f"{' '.join(words)} ({place})"[:256]


def describe(event: Event) -> str:
    """An event in words for logs: ``border crossing inbound, person, km 10.2, s3, cam-1``."""
    words = [str(event.kind).replace("_", " ")]
    if event.direction is not None:
        words[0] += f" {event.direction}"
    if event.class_name:
        words.append(event.class_name)
    if event.km_post is not None:
        words.append(f"km {event.km_post:.1f}")
    if event.sector_id:
        words.append(event.sector_id)
    words.append(event.source_id)
    return ", ".join(words)


def subject_of(incident_id: str) -> str:
    return f"incident:{incident_id}"


def as_utc(name: str, value: datetime) -> datetime:
    try:
        return require_utc(value, name=name)
    except (ValueError, AttributeError) as exc:
        raise IncidentInputError(f"{name}: {exc}") from exc


def check_name(name: str, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise IncidentInputError(f"{name} must be a non-empty string, got {value!r}")
    if len(value) > MAX_ACTOR:
        raise IncidentInputError(f"{name} is {len(value)} characters long; at most {MAX_ACTOR}")
