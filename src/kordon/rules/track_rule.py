"""``TrackRule``: what every planar rule shares — identity, frame, track filter, time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from kordon.domain.event import Frame
from kordon.rules.base import UpdateClock, require_name, require_positive
from kordon.rules.errors import RuleConfigError
from kordon.rules.filters import ClassFilter, check_min_quality


class TrackRule:
    """Validated common settings; subclasses add their geometry and per-track state.

    ``forget_after_s``: a track unseen this long is forgotten. Only confirmed tracks of
    the wanted classes with quality ≥ ``min_quality`` are processed (``track_gate``).
    """

    def __init__(
        self,
        rule_id: str,
        source_id: str,
        frame: Frame,
        *,
        classes: Iterable[str] | None,
        min_quality: float,
        forget_after_s: float,
    ) -> None:
        self._rule_id = require_name(rule_id, name="rule_id")
        self.source_id = require_name(source_id, name="source_id")
        if not isinstance(frame, Frame):
            raise RuleConfigError(f"frame must be a Frame (image or local), got {frame!r}")
        self.frame = frame
        self.class_filter = ClassFilter(classes)
        self.min_quality = check_min_quality(min_quality)
        self.forget_after = timedelta(
            seconds=require_positive(forget_after_s, name="forget_after_s")
        )
        self._clock = UpdateClock(self._rule_id)

    @property
    def rule_id(self) -> str:
        return self._rule_id
