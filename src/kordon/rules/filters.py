"""Which tracks a rule looks at: class filter and the track gate shared by every rule."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np

from kordon.domain.tracks import PlanarTracks
from kordon.rules.errors import RuleConfigError
from kordon.rules.geometry import BoolArray

logger = logging.getLogger(__name__)


class ClassFilter:
    """Accepts tracks whose class name is in ``classes``; ``None`` accepts every class."""

    def __init__(self, classes: Iterable[str] | None = None) -> None:
        if classes is None:
            self.classes: frozenset[str] | None = None
            return
        if isinstance(classes, str):
            raise RuleConfigError(
                f"classes: expected a collection of class names, got the string {classes!r}"
            )
        names = frozenset(classes)
        if not names:
            raise RuleConfigError("classes: must not be empty; use None to accept every class")
        bad = sorted(repr(c) for c in names if not isinstance(c, str) or not c)
        if bad:
            raise RuleConfigError(f"classes: names must be non-empty strings, got {', '.join(bad)}")
        self.classes = names

    def mask(self, class_names: tuple[str, ...]) -> BoolArray:
        """(N,) True where the class passes."""
        if self.classes is None:
            return np.ones(len(class_names), np.bool_)
        allowed = self.classes
        return np.fromiter((c in allowed for c in class_names), np.bool_, len(class_names))


def check_min_quality(min_quality: float) -> float:
    """Validate a ``min_quality`` parameter (in [0, 1])."""
    if not 0.0 <= min_quality <= 1.0:
        raise RuleConfigError(f"min_quality must be in [0, 1], got {min_quality}")
    return float(min_quality)


def track_gate(
    tracks: PlanarTracks, class_filter: ClassFilter, min_quality: float, *, rule_id: str
) -> BoolArray:
    """(N,) True for tracks a rule processes: confirmed, good enough, wanted class, finite.

    Rows with non-finite positions or a quality outside [0, 1] are upstream bugs: they
    are dropped with a warning rather than failing every other track of the batch.
    """
    finite = np.all(np.isfinite(tracks.xy), axis=1)
    sane_quality = np.isfinite(tracks.quality) & (tracks.quality >= 0.0) & (tracks.quality <= 1.0)
    bad = ~(finite & sane_quality)
    if np.any(bad):
        logger.warning(
            "rule %s: ignoring %d track(s) with non-finite position or quality outside "
            "[0, 1]: ids %s",
            rule_id,
            int(bad.sum()),
            tracks.track_id[bad][:10].tolist(),
        )
    with np.errstate(invalid="ignore"):
        good = tracks.quality >= min_quality
    return np.asarray(
        tracks.confirmed & good & ~bad & class_filter.mask(tracks.class_name), np.bool_
    )
