"""``TrackStage``: a hook that turns every frame's image tracks into more events.

The geo stage (image tracks → ground positions → border events in metres) plugs in here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from kordon.domain.event import Event
from kordon.domain.tracks import ImageTracks


class TrackStage(Protocol):
    """Called by ``CameraPipeline`` after the image rules, once per analysed frame, with
    every track the tracker reported (tentative ones included; check ``confirmed``)."""

    def process(self, tracks: ImageTracks, time: datetime, frame_index: int) -> list[Event]: ...
