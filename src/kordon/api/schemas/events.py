"""Events as the API shows them: every field of ``kordon.domain.event.Event``."""

from __future__ import annotations

from datetime import datetime

from kordon.api.schemas.base import PublicModel
from kordon.domain.event import Direction, Event, EventKind, Frame


class EventPublic(PublicModel):
    id: str
    kind: EventKind
    time: datetime
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
    attributes: dict[str, str | float | int | bool]
    evidence: list[str]

    @classmethod
    def of(cls, event: Event) -> EventPublic:
        return cls(
            id=event.id,
            kind=event.kind,
            time=event.time,
            source_id=event.source_id,
            rule_id=event.rule_id,
            track_id=event.track_id,
            class_name=event.class_name,
            confidence=event.confidence,
            direction=event.direction,
            frame=event.frame,
            x=event.x,
            y=event.y,
            lat=event.lat,
            lon=event.lon,
            uncertainty_m=event.uncertainty_m,
            km_post=event.km_post,
            sector_id=event.sector_id,
            attributes=dict(event.attributes),
            evidence=list(event.evidence),
        )
