"""Track purity and site track id continuity across handover against hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest

from kordon.fusion.metrics import IdentityScores, identity_scores


def scores(rows: list[tuple[int, str, float, int]], gap_s: float = 1.0) -> IdentityScores:
    """``rows``: (truth id, sensor id, time, site track id) per observation."""
    truth, sensor, time_s, site = zip(*rows, strict=True)
    return identity_scores(
        truth_id=np.asarray(truth, np.int64),
        sensor_id=np.asarray(sensor, np.str_),
        time_s=np.asarray(time_s, np.float64),
        site_track_id=np.asarray(site, np.int64),
        gap_s=gap_s,
    )


BASE = [
    (0, "cam-1", 0.0, 5),
    (0, "cam-1", 1.0, 5),
    (0, "cam-2", 1.5, 5),  # handover into cam-2, id kept
    (0, "cam-2", 2.0, 6),  # a switch, not a handover
    (1, "cam-1", 0.0, 6),
    (-1, "cam-1", 0.5, 6),  # clutter: skipped
    (1, "cam-1", 0.7, -1),  # not assigned: skipped
]


@pytest.mark.parametrize(
    ("rows", "purity", "continuity", "handovers", "switches"),
    [
        # Track 5 is all object 0 (3), track 6 half and half (1 of 2): 4 of 5.
        (BASE, 0.8, 1.0, 1, 1),
        # Object 1 re-enters cam-1 after 3.5 s (> gap) on a new track: a broken handover.
        ([*BASE, (1, "cam-1", 3.5, 7)], 5 / 6, 0.5, 2, 2),
        # The same re-entry within the gap is no handover at all.
        ([*BASE, (1, "cam-1", 0.9, 6)], 5 / 6, 1.0, 1, 1),
        # Nothing usable: perfect by convention.
        ([(-1, "cam-1", 0.0, 3), (2, "cam-1", 0.0, -1)], 1.0, 1.0, 0, 0),
    ],
)
def test_identity_scores_hand_computed(
    rows: list[tuple[int, str, float, int]],
    purity: float,
    continuity: float,
    handovers: int,
    switches: int,
) -> None:
    s = scores(rows)
    assert s.purity == pytest.approx(purity)
    assert s.handover_continuity == pytest.approx(continuity)
    assert (s.handovers, s.id_switches) == (handovers, switches)


def test_handover_compares_with_the_id_just_before_from_any_sensor() -> None:
    # The object is on track 8 in cam-1, then cam-2 first sees it on track 9 while cam-1
    # still reports track 8: the handover broke the id, whatever cam-1 says later.
    s = scores(
        [
            (0, "cam-1", 0.0, 8),
            (0, "cam-1", 0.1, 8),
            (0, "cam-2", 0.15, 9),
            (0, "cam-1", 0.2, 8),
        ]
    )
    assert (s.handovers, s.handover_continuity, s.id_switches) == (1, 0.0, 2)
