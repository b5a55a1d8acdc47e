"""Builders for rule tests: planar tracks and replayed paths."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from kordon.domain.event import Event
from kordon.domain.tracks import PlanarTracks
from kordon.rules.base import Rule

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """``T0`` plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


def planar(
    xy: Sequence[Sequence[float]],
    *,
    ids: Sequence[int] | None = None,
    classes: Sequence[str] | None = None,
    confirmed: Sequence[bool] | None = None,
    quality: Sequence[float] | None = None,
) -> PlanarTracks:
    """Tracks at one time; defaults: ids 1..N, ``person``, confirmed, quality 0.9."""
    n = len(xy)
    return PlanarTracks(
        track_id=np.asarray(ids if ids is not None else range(1, n + 1), np.int64).reshape(-1),
        xy=np.asarray(xy, np.float64).reshape(-1, 2),
        class_name=tuple(classes) if classes is not None else ("person",) * n,
        confirmed=np.asarray(confirmed if confirmed is not None else [True] * n, np.bool_),
        quality=np.asarray(quality if quality is not None else [0.9] * n, np.float64),
    )


def replay(
    rule: Rule,
    path: Sequence[Sequence[float]],
    *,
    dt_s: float = 0.1,
    track_id: int = 7,
    confirmed: Sequence[bool] | None = None,
    quality: Sequence[float] | None = None,
) -> list[Event]:
    """Feed one track's path to ``rule``, one sample every ``dt_s`` seconds from ``T0``."""
    events: list[Event] = []
    for i, point in enumerate(path):
        tracks = planar(
            [point],
            ids=[track_id],
            confirmed=None if confirmed is None else [confirmed[i]],
            quality=None if quality is None else [quality[i]],
        )
        events.extend(rule.trigger(tracks, at(i * dt_s)))
    return events
