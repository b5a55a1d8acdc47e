"""Incidents: the public shape (contract in docs/api.md) and the action bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from kordon.api.schemas.base import PublicModel, RequestBody
from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.incident import CrossingCounts, IncidentStatus, Resolution
from kordon.store.incidents import StoredIncident

Note = Annotated[str, Field(max_length=4000)]


class HistoryStepPublic(PublicModel):
    status: IncidentStatus
    actor: str
    time: datetime
    note: str


class NotePublic(PublicModel):
    author: str
    time: datetime
    text: str


class CrossingsPublic(PublicModel):
    """Crossings an incident holds, by direction (docs/alerts.md)."""

    inbound: int = Field(ge=0, description="Border crossings into the home country.")
    outbound: int = Field(ge=0, description="Border crossings out of the home country.")
    line_in: int = Field(ge=0, description="Image-line crossings in the line's `in` direction.")
    line_out: int = Field(ge=0, description="Image-line crossings in its `out` direction.")

    @classmethod
    def of(cls, counts: CrossingCounts) -> CrossingsPublic:
        # Built from the domain's own validated counts for output only: no re-validation.
        return cls.model_construct(
            inbound=counts.inbound,
            outbound=counts.outbound,
            line_in=counts.line_in,
            line_out=counts.line_out,
        )


class IncidentPublic(PublicModel):
    id: str
    title: str
    status: IncidentStatus
    priority: int = Field(ge=1, le=5, description="1 is the highest priority.")
    opened_at: datetime
    updated_at: datetime
    version: int
    sector_id: str | None
    assignee: str | None
    dispatched_unit: str | None = None
    resolution: Resolution | None
    event_ids: list[str]
    kind: EventKind | None
    class_name: str | None
    direction: Direction | None
    lat: float | None
    lon: float | None
    km_post: float | None
    camera_id: str | None
    sla_due_at: datetime | None
    escalated: bool
    last_alert_at: datetime = Field(
        description="When operators were last alerted (opened, or a new crossing, track or "
        "direction); the queue sorts by it, newest first."
    )
    crossings: CrossingsPublic
    history: list[HistoryStepPublic]
    notes: list[NotePublic]

    @classmethod
    def of(cls, stored: StoredIncident, first_event: Event | None) -> IncidentPublic:
        """The public view; ``first_event`` (the headline event) supplies what, where and
        which camera.

        A history step that keeps the status and carries text is a note; the others are
        the lifecycle history.

        Built for output from the store's typed domain objects, so the models are
        constructed without re-validation (validation cost 20 µs a model, most of a page
        of 100 incidents); tests compare the result with a validated copy.
        """
        incident = stored.incident
        history: list[HistoryStepPublic] = []
        notes: list[NotePublic] = []
        previous = IncidentStatus.OPEN
        for step in incident.history:
            if step.status == previous and step.note and history:
                notes.append(
                    NotePublic.model_construct(author=step.actor, time=step.time, text=step.note)
                )
            else:
                history.append(
                    HistoryStepPublic.model_construct(
                        status=step.status, actor=step.actor, time=step.time, note=step.note
                    )
                )
            previous = step.status
        ev = first_event
        return cls.model_construct(
            id=incident.id,
            title=incident.title,
            status=incident.status,
            priority=incident.priority,
            opened_at=incident.opened_at,
            updated_at=stored.updated_at,
            version=stored.version,
            sector_id=incident.sector_id,
            assignee=incident.assignee,
            dispatched_unit=incident.dispatched_unit,
            resolution=incident.resolution,
            event_ids=list(incident.event_ids),
            kind=ev.kind if ev else None,
            class_name=ev.class_name if ev else None,
            direction=ev.direction if ev else None,
            lat=ev.lat if ev else None,
            lon=ev.lon if ev else None,
            km_post=ev.km_post if ev else None,
            camera_id=ev.source_id if ev else None,
            sla_due_at=incident.sla_due_at,
            escalated=incident.escalated_at is not None,
            last_alert_at=incident.last_alert_at or incident.opened_at,
            crossings=CrossingsPublic.of(incident.crossings),
            history=history,
            notes=notes,
        )


class NoteOnlyRequest(RequestBody):
    note: Note = ""


class DispatchRequest(RequestBody):
    unit: Annotated[str, Field(min_length=1, max_length=128)]
    note: Note = ""


class ResolveRequest(RequestBody):
    resolution: Resolution
    note: Note = ""


class AddNoteRequest(RequestBody):
    text: Annotated[str, Field(min_length=1, max_length=4000)]


class ClipAroundPublic(PublicModel):
    """The event a clip is cut around, and where it lies in the clip."""

    event_id: str = Field(description="The event (a crossing, unless asked for another).")
    kind: EventKind
    direction: Direction | None
    time: datetime = Field(description="When the rule fired.")
    offset_s: float = Field(
        description="Seconds from the clip's first frame to the event: seek here to see it."
    )


class ClipPublic(PublicModel):
    id: str
    camera_id: str
    start: datetime = Field(description="Time of the clip's first frame (a keyframe).")
    end: datetime
    url: str
    content_type: str
    span: Literal["crossing", "incident"] = Field(
        default="incident",
        description="`crossing`: pre-roll before one event to post-roll after it (`around`); "
        "`incident`: pre-roll before the incident's first event to post-roll after its last.",
    )
    around: ClipAroundPublic | None = Field(
        default=None, description="The event a `crossing` clip is cut around."
    )
    default: bool = Field(
        default=False,
        description="The clip to show first: around the most severe crossing listed (a "
        "later, more severe one takes over once its post-roll is recorded), on its own "
        "camera; the whole incident when no crossing clip is listed.",
    )


class ExportRequest(RequestBody):
    incident_id: Annotated[str, Field(min_length=1, max_length=64)]
    reason: Annotated[str, Field(min_length=1, max_length=1000)]
    masked_video: bool = Field(
        default=False,
        strict=True,
        description="Also export a privacy-masked re-encode of each clip of a camera with "
        "privacy masks, marked in the manifest as derived from the original (which is "
        "exported unchanged beside it).",
    )


class ExportPublic(PublicModel):
    id: str
    url: str
    sha256: str
