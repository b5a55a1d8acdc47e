"""Clips in their public shape: whole-incident clips and clips around one event."""

from __future__ import annotations

from kordon.api.providers import ClipInfo, CrossingClip
from kordon.api.schemas.incidents import ClipAroundPublic, ClipPublic


def clip_public(clip: ClipInfo) -> ClipPublic:
    """A whole-incident clip."""
    return ClipPublic(
        id=clip.id,
        camera_id=clip.camera_id,
        start=clip.start,
        end=clip.end,
        url=f"/api/clips/{clip.id}",
        content_type=clip.content_type,
    )


def crossing_clip_public(found: CrossingClip) -> ClipPublic:
    """A clip around one event, with the event's offset in it."""
    return clip_public(found.clip).model_copy(
        update={
            "span": "crossing",
            "default": found.default,
            "around": ClipAroundPublic(
                event_id=found.event_id,
                kind=found.event_kind,
                direction=found.event_direction,
                time=found.event_time,
                offset_s=round(found.offset_s, 3),
            ),
        }
    )
