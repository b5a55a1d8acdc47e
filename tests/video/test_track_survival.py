"""``ByteTracker`` through gaps and occlusion: long lost buffer, recovery, re-update, feet."""

from __future__ import annotations

import numpy as np
import pytest

from kordon.domain.detections import Detections
from kordon.video.tracking.bytetrack import ByteTracker, TrackerError
from kordon.video.tracking.config import ByteTrackConfig

LABELS = ("person", "car", "truck")
FPS = 5.0
FRAME_WH = (768, 576)
H = 80.0  # box height, px
W = 30.0


def box(
    x: float, y_top: float = 200.0, h: float = H, score: float = 0.9, cls: int = 0
) -> Detections:
    return Detections.from_arrays([[x, y_top, x + W, y_top + h]], [score], [cls], labels=LABELS)


def empty() -> Detections:
    return Detections.empty(LABELS)


def run(tracker: ByteTracker, frames: list[Detections], t0: float = 0.0) -> list[list[int]]:
    """Ids reported per frame at ``FPS``."""
    return [
        tracker.update(d, t0 + i / FPS, frame_wh=FRAME_WH).tracker_id.tolist()
        for i, d in enumerate(frames)
    ]


def test_a_walker_hidden_for_three_seconds_keeps_their_id() -> None:
    """Walking at 50 px/s behind an occluder for 3 s (15 updates), then seen again."""
    frames = [empty() if 10 <= i < 25 else box(100.0 + 50.0 * i / FPS) for i in range(40)]
    ids = run(ByteTracker(), frames)
    assert {i for frame in ids for i in frame} == {1}
    assert ids[25] == [1]


def test_a_static_track_is_not_kept_longer_than_max_lost() -> None:
    """Clutter (a still box) lost is dropped after ``max_lost_s``; the long buffer is only
    for tracks that were moving."""
    config = ByteTrackConfig(max_lost_s=1.0, max_lost_moving_s=5.0, report_lost=True)
    tracker = ByteTracker(config)
    frames = [box(300.0) for _ in range(10)] + [empty() for _ in range(10)]
    ids = run(tracker, frames)
    assert ids[9 + 5] == [1]  # lost 1.0 s: still there
    assert ids[9 + 6] == []  # lost 1.2 s: gone


def test_low_scores_never_revive_a_lost_track_without_the_hold() -> None:
    config = ByteTrackConfig(report_lost=False, low_score_hold_s=0.0)
    tracker = ByteTracker(config)
    frames = [box(100.0 + 50.0 * i / FPS) for i in range(10)]
    frames += [empty(), empty()]
    frames += [box(100.0 + 50.0 * i / FPS, score=0.3) for i in range(12, 20)]
    ids = run(tracker, frames)
    assert ids[12:] == [[]] * 8


@pytest.mark.parametrize(
    ("hold_s", "revived"),
    [(0.0, False), (0.5, False), (1.0, True)],
)
def test_low_scores_revive_a_lost_track_only_within_the_hold(hold_s: float, revived: bool) -> None:
    """Last high score at 1.8 s, two missed updates, a low score at 2.4 s."""
    tracker = ByteTracker(ByteTrackConfig(report_lost=False, low_score_hold_s=hold_s))
    frames = [box(100.0 + 50.0 * i / FPS) for i in range(10)]
    frames += [empty(), empty(), box(100.0 + 50.0 * 12 / FPS, score=0.3)]
    ids = run(tracker, frames)
    assert ids[12] == ([1] if revived else [])


def test_a_track_that_left_the_frame_is_not_given_to_a_newcomer() -> None:
    """Someone walks out at the right edge; 1 s later someone else walks in there."""
    out = [box(600.0 + 60.0 * i / FPS) for i in range(12)]  # reaches x2 = 774 > 768
    back = [box(740.0 - 60.0 * i / FPS) for i in range(10)]
    ids = run(ByteTracker(), out + [empty()] * 5 + back)
    assert ids[0] == [1]
    assert ids[-1] == [2]


def test_a_lost_track_does_not_take_a_detection_of_another_class() -> None:
    """A person hidden behind a parked van must not become the van."""
    frames = [box(100.0 + 20.0 * i / FPS) for i in range(10)]
    frames += [empty(), box(140.0, score=0.55, cls=2), box(140.0, score=0.55, cls=2)]
    ids = run(ByteTracker(), frames)
    assert ids[10] == []
    assert all(1 not in frame for frame in ids[11:])  # the van may start its own track
    assert ids[11:] != [[], []]  # (it does: the check above saw boxes)


def test_reupdate_after_a_gap_learns_the_motion_over_the_gap() -> None:
    """A walker at 60 px/s stops behind an occluder; seen once 2 s later where they stopped.

    Re-filtering along the path between the two observations gives the mean speed over
    the gap (18 px in 2 s: 9 px/s); a single update after the blind prediction, 90 px
    ahead, swings the velocity to about -13 px/s instead.
    """
    last_seen_x = 100.0 + 60.0 * 9 / FPS
    stop_x = last_seen_x + 60.0 * 0.3
    frames = [box(100.0 + 60.0 * i / FPS) for i in range(10)]
    frames += [empty()] * 9 + [box(stop_x)] + [empty()] * 5
    tracker = ByteTracker(ByteTrackConfig(report_lost=True))
    out = [tracker.update(d, i / FPS, frame_wh=FRAME_WH) for i, d in enumerate(frames)]
    assert {i for o in out for i in o.tracker_id.tolist()} == {1}
    # lost again for 1 s after the return: the reported boxes are the filter's prediction
    drift_px = float(out[-1].xyxy_px[0, 0] - out[-6].xyxy_px[0, 0])
    assert 5.0 < drift_px < 13.0


@pytest.mark.parametrize("visible_h", [41.0, 50.0])
def test_a_box_cut_at_the_bottom_keeps_the_foot_point(visible_h: float) -> None:
    """A walker's legs disappear behind a bench for 4 updates: the box shrinks from 80 px
    to ``visible_h`` with its top in place; the reported foot point must not jump up."""
    frames = []
    truth_foot = []
    for i in range(20):
        x = 100.0 + 30.0 * i / FPS
        h = visible_h if 8 <= i < 12 else H
        frames.append(box(x, h=h))
        truth_foot.append(200.0 + H)
    tracker = ByteTracker()
    feet = []
    for i, d in enumerate(frames):
        out = tracker.update(d, i / FPS, frame_wh=FRAME_WH)
        assert out.tracker_id.tolist() == [1]
        feet.append(float(out.anchor_px("bottom_center")[0, 1]))
    assert np.max(np.abs(np.asarray(feet[3:]) - np.asarray(truth_foot[3:]))) < 4.0


def test_a_box_shrinking_from_the_top_is_not_taken_as_occluded() -> None:
    """Only the bottom is restored: a box losing its top (head in shade) follows the data."""
    tracker = ByteTracker()
    for i in range(10):
        out = tracker.update(box(100.0), i / FPS, frame_wh=FRAME_WH)
    for i in range(10, 16):
        out = tracker.update(box(100.0, y_top=200.0 + 35.0, h=H - 35.0), i / FPS)
    assert float(out.xyxy_px[0, 1]) > 225.0  # the top followed the detections down


def test_frame_size_must_be_positive() -> None:
    with pytest.raises(TrackerError, match=r"frame_wh"):
        ByteTracker().update(box(0.0), 0.0, frame_wh=(0, 576))
