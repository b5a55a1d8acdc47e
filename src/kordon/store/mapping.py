"""Mapping between domain objects and rows, with checks on the way in and on the way out."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from kordon.domain.event import AttributeValue, Direction, Event, EventKind, Frame
from kordon.domain.incident import Incident, IncidentStatus, IncidentStep, Resolution
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.domain.time import require_utc
from kordon.store.errors import CorruptRecordError, InvalidInputError
from kordon.store.models import EventRow, IncidentRow

E = TypeVar("E", bound=StrEnum)

MAX_ID = 64
MAX_NAME = 128


def check_text(name: str, value: str | None, max_len: int) -> None:
    """Refuse strings that do not fit their column (PostgreSQL would; SQLite would not)."""
    if value is not None and len(value) > max_len:
        raise InvalidInputError(f"{name} is {len(value)} characters long; at most {max_len}")


def check_id(name: str, value: str) -> None:
    if not value:
        raise InvalidInputError(f"{name} must not be empty")
    check_text(name, value, MAX_ID)


def utc_arg(name: str, value: datetime) -> datetime:
    """An argument that must be a UTC-aware datetime."""
    try:
        return require_utc(value, name=name)
    except (ValueError, AttributeError) as exc:
        raise InvalidInputError(f"{name}: {exc}") from exc


def check_limit(limit: int, maximum: int) -> None:
    if not 1 <= limit <= maximum:
        raise InvalidInputError(f"limit must be in [1, {maximum}], got {limit}")


def check_finite_json(
    name: str, mapping: dict[str, Any], allowed: tuple[type, ...] = (str, int, float, bool)
) -> None:
    """Keys are strings, values of the ``allowed`` types and finite (JSON has no NaN)."""
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise InvalidInputError(f"{name}: keys must be strings, got {key!r}")
        if not isinstance(value, allowed):
            names = ", ".join(t.__name__ for t in allowed)
            raise InvalidInputError(
                f"{name}[{key!r}] must be one of {names}, got {type(value).__name__}"
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInputError(f"{name}[{key!r}] must be finite, got {value}")


def enum_values(name: str, values: Collection[E] | None) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        raise InvalidInputError(f"{name} must be a collection of values, not one string")
    return [str(v) for v in values]


def _parse(enum: type[E], value: str, what: str) -> E:
    try:
        return enum(value)
    except ValueError as exc:
        raise CorruptRecordError(
            f"{what}: unknown {enum.__name__} {value!r} (written by a newer Kordon?)"
        ) from exc


def _parse_optional(enum: type[E], value: str | None, what: str) -> E | None:
    return None if value is None else _parse(enum, value, what)


def event_to_values(event: Event) -> dict[str, Any]:
    check_id("event id", event.id)
    for name in ("source_id", "rule_id", "track_id", "sector_id"):
        check_text(f"event {event.id}: {name}", getattr(event, name), MAX_NAME)
    check_text(f"event {event.id}: class_name", event.class_name, 64)
    check_finite_json(f"event {event.id}: attributes", event.attributes)
    return {
        "id": event.id,
        "kind": str(event.kind),
        "time": event.time,
        "source_id": event.source_id,
        "rule_id": event.rule_id,
        "track_id": event.track_id,
        "class_name": event.class_name,
        "confidence": event.confidence,
        "direction": None if event.direction is None else str(event.direction),
        "frame": None if event.frame is None else str(event.frame),
        "x": event.x,
        "y": event.y,
        "lat": event.lat,
        "lon": event.lon,
        "uncertainty_m": event.uncertainty_m,
        "km_post": event.km_post,
        "sector_id": event.sector_id,
        "attributes": dict(event.attributes),
        "evidence": list(event.evidence),
    }


def _convert(what: str, build: Callable[[], Any]) -> Any:
    try:
        return build()
    except (ValueError, TypeError) as exc:
        raise CorruptRecordError(f"{what} cannot be read back: {exc}") from exc


def event_from_row(row: EventRow) -> Event:
    what = f"event {row.id}"
    attributes: dict[str, AttributeValue] = dict(row.attributes or {})
    event: Event = _convert(
        what,
        lambda: Event(
            id=row.id,
            kind=_parse(EventKind, row.kind, what),
            time=row.time,
            source_id=row.source_id,
            rule_id=row.rule_id,
            track_id=row.track_id,
            class_name=row.class_name,
            confidence=row.confidence,
            direction=_parse_optional(Direction, row.direction, what),
            frame=_parse_optional(Frame, row.frame, what),
            x=row.x,
            y=row.y,
            lat=row.lat,
            lon=row.lon,
            uncertainty_m=row.uncertainty_m,
            km_post=row.km_post,
            sector_id=row.sector_id,
            attributes=attributes,
            evidence=tuple(row.evidence or ()),
        ),
    )
    return event


def check_incident(incident: Incident) -> None:
    check_id("incident id", incident.id)
    check_text(f"incident {incident.id}: title", incident.title, 256)
    check_text(f"incident {incident.id}: sector_id", incident.sector_id, MAX_NAME)
    check_text(f"incident {incident.id}: assignee", incident.assignee, MAX_NAME)
    if len(set(incident.event_ids)) != len(incident.event_ids):
        raise InvalidInputError(f"incident {incident.id}: event_ids has duplicates")
    for step in incident.history:
        check_text(f"incident {incident.id}: step actor", step.actor, MAX_NAME)


def incident_values(incident: Incident) -> dict[str, Any]:
    """The columns of ``incidents`` that follow the domain object (not version/updated_at)."""
    return {
        "title": incident.title,
        "opened_at": incident.opened_at,
        "priority": incident.priority,
        "status": str(incident.status),
        "sector_id": incident.sector_id,
        "assignee": incident.assignee,
        "resolution": None if incident.resolution is None else str(incident.resolution),
    }


def incident_from_row(row: IncidentRow) -> Incident:
    what = f"incident {row.id}"
    history = tuple(
        IncidentStep(
            status=_parse(IncidentStatus, step.status, what),
            actor=step.actor,
            time=step.time,
            note=step.note,
        )
        for step in row.steps
    )
    incident: Incident = _convert(
        what,
        lambda: Incident(
            id=row.id,
            title=row.title,
            opened_at=row.opened_at,
            priority=row.priority,
            status=_parse(IncidentStatus, row.status, what),
            sector_id=row.sector_id,
            event_ids=tuple(link.event_id for link in row.links),
            assignee=row.assignee,
            resolution=_parse_optional(Resolution, row.resolution, what),
            history=history,
        ),
    )
    return incident


def status_values(status: DeviceStatus) -> dict[str, Any]:
    check_text("device_id", status.device_id, MAX_NAME)
    if not status.device_id:
        raise InvalidInputError("device_id must not be empty")
    check_finite_json(f"device {status.device_id}: metrics", status.metrics, (int, float))
    return {
        "device_id": status.device_id,
        "time": status.time,
        "state": str(status.state),
        "detail": status.detail,
        "metrics": {k: float(v) for k, v in status.metrics.items()},
    }


def status_from_columns(
    device_id: str, time: datetime, state: str, detail: str, metrics: dict[str, Any]
) -> DeviceStatus:
    what = f"device status {device_id}"
    status: DeviceStatus = _convert(
        what,
        lambda: DeviceStatus(
            device_id=device_id,
            time=time,
            state=_parse(DeviceState, state, what),
            detail=detail,
            metrics={str(k): float(v) for k, v in (metrics or {}).items()},
        ),
    )
    return status
