"""Versioned JSON for what crosses the link: ``{"v": 1, "kind": "event", "data": {...}}``.

Strict on input: unknown keys, wrong types, naive times, NaN/Infinity, an unknown kind or
a version this Kordon does not know are refused with a :class:`CodecError` saying what and
where. A new version of a payload gets a new model here; the old one stays readable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from kordon.domain.event import Direction, Event, EventKind, Frame
from kordon.domain.incident import (
    CrossingCounts,
    Incident,
    IncidentStatus,
    IncidentStep,
    Resolution,
)
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.link.errors import CodecError
from kordon.link.event_snapshot import EventSnapshot
from kordon.link.kinds import EntryKind, Shipped, kind_of

VERSION = 1
"""The version every payload is written in."""


class StrictModel(BaseModel):
    """What every link model shares: exact keys, exact types, finite numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class EventV1(StrictModel):
    id: str
    kind: EventKind
    time: AwareDatetime
    source_id: str
    rule_id: str | None
    track_id: str | None
    class_name: str | None
    confidence: float
    direction: Direction | None
    frame: Frame | None
    x: float | None
    y: float | None
    lat: float | None
    lon: float | None
    uncertainty_m: float | None
    km_post: float | None
    sector_id: str | None
    attributes: dict[str, str | bool | int | float]
    evidence: tuple[str, ...]


class StepV1(StrictModel):
    status: IncidentStatus
    actor: str
    time: AwareDatetime
    note: str


class CrossingsV1(StrictModel):
    inbound: int
    outbound: int
    line_in: int
    line_out: int


class IncidentV1(StrictModel):
    id: str
    title: str
    opened_at: AwareDatetime
    priority: int
    status: IncidentStatus
    sector_id: str | None
    event_ids: tuple[str, ...]
    assignee: str | None
    resolution: Resolution | None
    history: tuple[StepV1, ...]
    dispatched_unit: str | None
    sla_due_at: AwareDatetime | None
    escalated_at: AwareDatetime | None
    last_alert_at: AwareDatetime | None
    crossings: CrossingsV1


class DeviceStatusV1(StrictModel):
    device_id: str
    time: AwareDatetime
    state: DeviceState
    detail: str
    metrics: dict[str, float]


class EventSnapshotV1(StrictModel):
    """Structure only: its content (base64, JPEG, hash, size) is checked where it is
    stored (``EventSnapshot.jpeg``), so a bad picture is refused alone, not its batch."""

    event_id: str
    sha256: str
    jpeg_b64: str
    reduced: bool


def _event(model: BaseModel) -> Event:
    assert isinstance(model, EventV1)
    # The fields as validated, without model_dump's conversion pass (the model has no
    # private attributes or extras: its __dict__ is exactly its fields); the attributes
    # dict is copied so the event does not share it with the frozen model.
    fields = dict(model.__dict__)
    fields["attributes"] = dict(model.attributes)
    return Event(**fields)


def _incident(model: BaseModel) -> Incident:
    assert isinstance(model, IncidentV1)
    fields = model.model_dump(exclude={"history", "crossings"})
    return Incident(
        **fields,
        history=tuple(IncidentStep(**step.model_dump()) for step in model.history),
        crossings=CrossingCounts(**model.crossings.model_dump()),
    )


def _status(model: BaseModel) -> DeviceStatus:
    assert isinstance(model, DeviceStatusV1)
    return DeviceStatus(**model.model_dump())


def _snapshot(model: BaseModel) -> EventSnapshot:
    assert isinstance(model, EventSnapshotV1)
    return EventSnapshot(**model.model_dump())


_Reader = tuple[type[BaseModel], Callable[[BaseModel], Shipped]]

READERS: Mapping[tuple[EntryKind, int], _Reader] = {
    (EntryKind.EVENT, 1): (EventV1, _event),
    (EntryKind.INCIDENT, 1): (IncidentV1, _incident),
    (EntryKind.DEVICE_STATUS, 1): (DeviceStatusV1, _status),
    (EntryKind.SNAPSHOT, 1): (EventSnapshotV1, _snapshot),
}
"""Every (kind, version) this Kordon reads."""

_WRITERS: Mapping[EntryKind, type[BaseModel]] = {
    EntryKind.EVENT: EventV1,
    EntryKind.INCIDENT: IncidentV1,
    EntryKind.DEVICE_STATUS: DeviceStatusV1,
    EntryKind.SNAPSHOT: EventSnapshotV1,
}


def _refuse_constant(name: str) -> Any:
    raise CodecError(f"{name} is not valid JSON (numbers must be finite)")


def load_json(data: bytes | str, what: str) -> Any:
    """Parse JSON strictly (no NaN/Infinity); ``CodecError`` naming ``what`` on failure."""
    try:
        return json.loads(data, parse_constant=_refuse_constant)
    except CodecError:
        raise
    except (ValueError, RecursionError) as exc:
        # ValueError: JSONDecodeError, UnicodeDecodeError, and an integer of more digits
        # than Python converts (sys.get_int_max_str_digits()).
        raise CodecError(f"{what} is not valid JSON: {exc}") from exc


def dump_json(document: Any) -> str:
    """Compact JSON text; refuses NaN/Infinity."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def to_document(item: Shipped) -> dict[str, Any]:
    """``item`` as a versioned JSON-ready document."""
    kind = kind_of(item)
    model = _WRITERS[kind].model_validate(item, from_attributes=True, strict=False)
    return {"v": VERSION, "kind": str(kind), "data": model.model_dump(mode="json")}


def encode(item: Shipped) -> str:
    """``item`` as versioned JSON text."""
    return dump_json(to_document(item))


def from_document(document: Any, *, expected: EntryKind | None = None) -> Shipped:
    """The domain object in a parsed document; ``CodecError`` when anything is off."""
    if not isinstance(document, dict) or set(document) != {"v", "kind", "data"}:
        raise CodecError("payload must be an object with exactly the keys 'v', 'kind', 'data'")
    version, kind_text, data = document["v"], document["kind"], document["data"]
    if type(version) is not int:
        raise CodecError(f"payload version must be an integer, got {version!r}")
    try:
        kind = EntryKind(kind_text)
    except ValueError:
        known = ", ".join(k.value for k in EntryKind)
        raise CodecError(f"unknown payload kind {kind_text!r} (known: {known})") from None
    if expected is not None and kind is not expected:
        raise CodecError(f"payload is a {kind}, but its entry says {expected}")
    reader = READERS.get((kind, version))
    if reader is None:
        versions = sorted(v for k, v in READERS if k is kind)
        raise CodecError(
            f"unknown {kind} payload version {version} (this Kordon reads {versions or 'none'})"
        )
    model_type, build = reader
    try:
        # JSON mode: strict, yet ISO times, enum values and arrays are what JSON has.
        return build(model_type.model_validate_json(dump_json(data)))
    except ValidationError as exc:
        raise CodecError(f"invalid {kind} v{version} payload: {exc}") from exc
    except (TypeError, ValueError) as exc:  # the domain type's own checks
        raise CodecError(f"invalid {kind} v{version} payload: {exc}") from exc


def decode(text: bytes | str, *, expected: EntryKind | None = None) -> Shipped:
    """The domain object in versioned JSON text; ``CodecError`` when anything is off."""
    return from_document(load_json(text, "payload"), expected=expected)
