"""``ByteTracker`` when two people at different ranges overlap in the picture.

A distant person (feet higher in the picture) and a nearer one walking past in front of
them: the detector returns either the nearer person's box (shifted down by most of a
height, still IoU >= 0.2 with the far one's) or one tall box covering both. Neither may
move the far person's foot point (the border rule's input) onto the near person's.
"""

from __future__ import annotations

import numpy as np
import pytest

from kordon.domain.detections import Detections
from kordon.video.tracking.assignment import edge_jump_gate
from kordon.video.tracking.bytetrack import MERGE_HOLD_S, ByteTracker
from kordon.video.tracking.config import ByteTrackConfig

LABELS = ("person",)
FPS = 5.0
FAR = (720.0, 409.0, 734.0, 443.0)  # 34 px tall, ~200 m away
NEAR_SHIFT = 20.0  # the nearer person's box: 20 px lower (0.6 heights), IoU 0.25


def dets(*rows: tuple[float, float, float, float, float]) -> Detections:
    arr = np.asarray(rows, np.float64).reshape(-1, 5)
    return Detections.from_arrays(arr[:, :4], arr[:, 4], np.zeros(len(arr), int), labels=LABELS)


@pytest.mark.parametrize(
    ("det", "gate_h", "kept"),
    [
        (FAR, 0.35, True),
        ((720.0, 409.0 + NEAR_SHIFT, 734.0, 443.0 + NEAR_SHIFT + 2.0), 0.35, False),
        ((720.0, 409.0 + NEAR_SHIFT, 734.0, 443.0 + NEAR_SHIFT + 2.0), 1.0, True),
        ((719.0, 409.0, 734.0, 467.0), 0.35, True),  # merged below: the top is in place
        ((719.0, 385.0, 734.0, 443.0), 0.35, True),  # merged above: the bottom is in place
        ((720.0, 420.0, 734.0, 455.0), 0.35, True),  # 11 px: within 0.35 heights
    ],
)
def test_edge_jump_gate(det: tuple[float, ...], gate_h: float, kept: bool) -> None:
    got = edge_jump_gate(np.array([FAR]), np.array([det]), np.array([gate_h]))
    assert got.shape == (1, 1)
    assert bool(got[0, 0]) is kept


def track_far_then(
    config: ByteTrackConfig, then: list[Detections]
) -> list[tuple[list[int], list[float]]]:
    """Ten updates of the far person alone, then ``then``: (ids, box bottoms) per update."""
    tracker = ByteTracker(config)
    frames = [dets((*FAR, 0.85)) for _ in range(10)] + then
    out = []
    for i, d in enumerate(frames):
        tracks = tracker.update(d, i / FPS, frame_wh=(1280, 720))
        out.append((tracks.tracker_id.tolist(), tracks.xyxy_px[:, 3].tolist()))
    return out


def test_a_far_track_does_not_jump_onto_a_nearer_person() -> None:
    near = (720.0, 409.0 + NEAR_SHIFT, 734.0, 443.0 + NEAR_SHIFT + 2.0, 0.85)
    gated = track_far_then(ByteTrackConfig(), [dets(near)])
    assert 1 not in gated[-1][0]  # the far person's id is not given to the near one
    ungated = track_far_then(ByteTrackConfig(edge_gate_h=0.0), [dets(near)])
    assert ungated[-1][0] == [1]  # without the gate the id jumps


@pytest.mark.parametrize(
    ("merged", "ratio", "bottom_stays"),
    [
        ((719.0, 409.0, 734.0, 467.0), 0.8, True),  # the near person is below: keep the top
        ((719.0, 385.0, 734.0, 443.0), 0.8, True),  # someone above: keep the bottom
        ((719.0, 409.0, 734.0, 467.0), 0.0, False),  # handling disabled: the feet jump
    ],
)
def test_a_merged_box_keeps_the_far_persons_foot_point(
    merged: tuple[float, float, float, float], ratio: float, bottom_stays: bool
) -> None:
    then = [dets((*merged, 0.6)) for _ in range(3)]
    out = track_far_then(ByteTrackConfig(occlusion_height_ratio=ratio), then)
    ids, bottoms = out[-1]
    assert ids == [1]
    assert (abs(bottoms[0] - FAR[3]) <= 2.0) is bottom_stays


def test_a_track_begun_half_hidden_takes_the_whole_height_once_it_stays() -> None:
    """A person first seen behind reeds (legs hidden) who walks out of them: the box grows
    with its top in place and stays grown. For up to ``MERGE_HOLD_S`` it may be a merge and
    the track keeps its height; after that the feet are where the detector sees them."""
    hidden = (720.0, 409.0, 734.0, 427.0)  # 18 px: head and torso above the reeds
    whole = (720.0, 409.0, 734.0, 443.0)  # 34 px: the person seen whole
    tracker = ByteTracker(ByteTrackConfig())
    frames = [dets((*hidden, 0.85)) for _ in range(10)] + [dets((*whole, 0.85))] * 20
    bottoms: list[float] = []
    for i, d in enumerate(frames):
        tracks = tracker.update(d, i / FPS, frame_wh=(1280, 720))
        assert tracks.tracker_id.tolist() == [1]
        bottoms.append(float(tracks.xyxy_px[0, 3]))
    held = int(MERGE_HOLD_S * FPS)
    assert all(abs(b - hidden[3]) <= 2.0 for b in bottoms[10 : 10 + held])  # a merge, maybe
    assert abs(bottoms[-1] - whole[3]) <= 1.0  # stayed whole: the feet are seen again


def test_legs_hidden_a_little_more_each_frame_do_not_lift_the_foot_point() -> None:
    """A walker 200 m off going into reeds: the box keeps its top and loses 2.5 px of its
    bottom a frame, never 20 % of the predicted height at once. The track's standing
    height (``STANDING_DECAY_PER_S``) keeps the feet where they were; without it the
    foot point rose with the box (17 px in 2 s on the border range, 20 px here)."""
    tracker = ByteTracker(ByteTrackConfig())
    top, x = 405.0, 720.0
    whole = [dets((x, top, x + 14.0, top + 34.0, 0.8)) for _ in range(10)]
    shrinking = [dets((x, top, x + 14.0, top + 34.0 - 2.5 * k, 0.8)) for k in range(1, 9)]
    hidden = [dets((x, top, x + 14.0, top + 14.0, 0.8)) for _ in range(5)]
    bottoms: list[float] = []
    for i, d in enumerate(whole + shrinking + hidden):
        tracks = tracker.update(d, i / FPS, frame_wh=(1280, 720))
        assert tracks.tracker_id.tolist() == [1]
        bottoms.append(float(tracks.xyxy_px[0, 3]))
    assert abs(bottoms[9] - (top + 34.0)) <= 1.0
    # the foot point rises at most the 20 % a box may lose before it counts as occluded
    # (``occlusion_height_ratio``), not the 20 px the reeds hide, and comes back down
    assert all(b >= top + 34.0 * 0.8 - 1.0 for b in bottoms[10:])
    assert all(abs(b - (top + 34.0)) <= 2.0 for b in bottoms[-5:])


def test_a_person_walking_away_shrinks_slowly_and_keeps_the_measured_feet() -> None:
    """Seen whole, a box shrinking 1 % a second (walking away from the camera) is no
    occlusion: the track follows the measured bottom."""
    tracker = ByteTracker(ByteTrackConfig())
    bottoms: list[tuple[float, float]] = []
    for i in range(100):
        t = i / FPS
        h = 34.0 * (1.0 - 0.01) ** t
        tracks = tracker.update(dets((720.0, 405.0, 734.0, 405.0 + h, 0.8)), t)
        bottoms.append((float(tracks.xyxy_px[0, 3]), 405.0 + h))
    assert all(abs(b - want) <= 1.0 for b, want in bottoms[5:])


def test_a_box_grown_over_two_people_does_not_hide_the_feet_of_the_one_it_keeps() -> None:
    """Two walkers overlapping in the picture, one going away and one coming: the detector
    returns one box growing 2.4 px a frame at both edges (57 → 81 px in 2 s), then the
    nearer walker's own 59 px box. The standing height grows no faster than it may
    shrink, so that box is the nearer walker's whole height: his feet are where the
    detector puts them (not 22 px lower, restored to the merged height)."""
    tracker = ByteTracker(ByteTrackConfig())
    x, top = 840.0, 300.0
    frames = [dets((x, top, x + 25.0, top + 57.0, 0.8)) for _ in range(10)]
    frames += [dets((x, top - 1.2 * k, x + 25.0, top + 57.0 + 1.2 * k, 0.7)) for k in range(1, 11)]
    near = (x, top + 12.0 + 10.0, x + 25.0, top + 12.0 + 10.0 + 59.0)  # bottom 381
    frames += [dets((*near, 0.8)) for _ in range(15)]
    for i, d in enumerate(frames):
        tracks = tracker.update(d, i / FPS, frame_wh=(1280, 720))
        assert tracks.tracker_id.tolist() == [1]
    assert abs(float(tracks.xyxy_px[0, 3]) - near[3]) <= 2.0


def _far_stretching(with_near: bool) -> list[float]:
    """The far person's box stretches down 1 px a frame for 3 s toward a nearer person's
    feet (a patrol passing in front, lower in the picture), then stays so for 3 s: never
    20 % at once, and longer than ``MERGE_HOLD_S``. Returns the far track's bottoms."""
    tracker = ByteTracker(ByteTrackConfig())
    bottoms: list[float] = []
    for i in range(40):
        stretch = float(min(max(i - 10, 0), 15))
        rows = [(*FAR[:3], FAR[3] + stretch, 0.8)]
        if with_near:
            rows.append((712.0 + 0.5 * i, 440.0, 728.0 + 0.5 * i, 490.0, 0.85))
        tracks = tracker.update(dets(*rows), i / FPS, frame_wh=(1280, 720))
        far = [k for k, tid in enumerate(tracks.tracker_id.tolist()) if tid == 1]
        assert len(far) == 1
        bottoms.append(float(tracks.xyxy_px[far[0], 3]))
    return bottoms


def test_a_box_stretching_slowly_toward_a_nearer_persons_feet_keeps_the_far_feet() -> None:
    """Traced on the 400 m range: an intruder beyond the line behind a patrol on the home
    side came back as one box stretching 5 px over 2 s; the foot point slid 12 m over the
    line and fired a crossing 9 s early. With someone lower in the picture inside the
    box, the far person's feet stay at the top plus the standing height."""
    assert all(abs(b - FAR[3]) <= 2.0 for b in _far_stretching(with_near=True))
    # alone, the same stretch is the person's own box: the track follows it
    assert _far_stretching(with_near=False)[-1] >= FAR[3] + 13.0
