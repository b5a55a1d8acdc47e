"""Image rules on image tracks: each rule tests one anchor point of the track boxes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

import numpy as np

from kordon.domain.event import Event
from kordon.domain.tracks import ImageTracks, PlanarTracks
from kordon.rules.base import Rule

Anchor = Literal["bottom_center", "center"]


@dataclass(frozen=True, slots=True)
class AnchoredRule:
    """A planar rule in image pixels and the box point it tests (feet by default)."""

    rule: Rule
    anchor: Anchor = "bottom_center"


def planar_tracks(tracks: ImageTracks, anchor: Anchor) -> PlanarTracks:
    """Image tracks as rule input: the anchor point of each box; quality 1 if confirmed."""
    return PlanarTracks(
        track_id=np.asarray(tracks.tracker_id, np.int64),
        xy=tracks.anchor_px(anchor).astype(np.float64),
        class_name=tuple(tracks.class_names),
        confirmed=np.asarray(tracks.confirmed, np.bool_),
        quality=np.where(tracks.confirmed, 1.0, 0.0).astype(np.float64),
    )


class ImageRuleRunner:
    """Runs rules in order, building each anchor's ``PlanarTracks`` once per frame.

    ``sector_id`` (the camera's sector) goes to every event that has none, so that users
    scoped to sectors see the incidents of image rules.
    """

    def __init__(self, rules: Sequence[AnchoredRule], *, sector_id: str | None = None) -> None:
        self.rules = tuple(rules)
        self.sector_id = sector_id

    def trigger(self, tracks: ImageTracks, time: datetime) -> list[Event]:
        by_anchor: dict[str, PlanarTracks] = {}
        events: list[Event] = []
        for item in self.rules:
            planar = by_anchor.get(item.anchor)
            if planar is None:
                planar = by_anchor[item.anchor] = planar_tracks(tracks, item.anchor)
            events.extend(item.rule.trigger(planar, time))
        if self.sector_id is None:
            return events
        return [e if e.sector_id else replace(e, sector_id=self.sector_id) for e in events]
