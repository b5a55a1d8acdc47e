"""``ByteTracker`` rules: confirmation, loss by time, motion gate, classes, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from kordon.domain.detections import Detections
from kordon.video.tracking.bytetrack import ByteTracker, TrackerError
from kordon.video.tracking.config import ByteTrackConfig
from kordon.video.tracking.kalman import BoxMotionModel, cxcywh_to_xyxy, xyxy_to_cxcywh

LABELS = ("person", "car")


def dets(*rows: tuple[float, float, float, float, float, int]) -> Detections:
    return Detections.from_arrays(
        [r[:4] for r in rows], [r[4] for r in rows], [r[5] for r in rows], labels=LABELS
    )


def walker(t: float, score: float = 0.9) -> tuple[float, float, float, float, float, int]:
    x = 100.0 + 40.0 * t
    return (x, 100.0, x + 20.0, 160.0, score, 0)


def test_track_is_confirmed_after_three_hits_and_keeps_its_id() -> None:
    tracker = ByteTracker()
    states = [tracker.update(dets(walker(i / 10)), i / 10) for i in range(5)]
    assert [bool(s.confirmed[0]) for s in states] == [False, False, True, True, True]
    assert {int(s.tracker_id[0]) for s in states} == {1}
    assert states[-1].labels == LABELS


@pytest.mark.parametrize("max_misses", [1, 3])
def test_tentative_track_dies_after_its_allowed_misses(max_misses: int) -> None:
    tracker = ByteTracker(ByteTrackConfig(tentative_max_misses=max_misses))
    tracker.update(dets(walker(0.0)), 0.0)
    for k in range(1, max_misses + 1):
        assert len(tracker.update(Detections.empty(LABELS), 0.1 * k)) == 0
    t = 0.1 * (max_misses + 1)
    again = tracker.update(dets(walker(t)), t)
    assert again.tracker_id.tolist() == [2]  # ids are never reused


def test_a_tentative_track_survives_fewer_misses_than_allowed() -> None:
    tracker = ByteTracker(ByteTrackConfig(tentative_max_misses=3))
    tracker.update(dets(walker(0.0)), 0.0)
    tracker.update(Detections.empty(LABELS), 0.1)
    tracker.update(Detections.empty(LABELS), 0.2)
    again = tracker.update(dets(walker(0.0)), 0.3)  # standing still (far away)
    assert again.tracker_id.tolist() == [1]


@pytest.mark.parametrize("fps", [5.0, 30.0])
def test_loss_is_measured_in_seconds_at_any_frame_rate(fps: float) -> None:
    # the walker is moving: the moving-track buffer is set to the same second here
    config = ByteTrackConfig(max_lost_s=1.0, max_lost_moving_s=1.0, report_lost=True)
    tracker = ByteTracker(config)
    t = 0.0
    for _ in range(5):
        tracker.update(dets(walker(t)), t)
        t += 1.0 / fps
    last_hit = t - 1.0 / fps
    while t - last_hit <= 1.0 - 1e-9:
        assert tracker.update(Detections.empty(LABELS), t).tracker_id.tolist() == [1]
        t += 1.0 / fps
    assert len(tracker.update(Detections.empty(LABELS), last_hit + 1.01)) == 0


def test_identity_survives_a_gap_shorter_than_max_lost() -> None:
    tracker = ByteTracker()
    ids = []
    for i in range(30):
        t = i / 10
        frame = Detections.empty(LABELS) if 10 <= i < 15 else dets(walker(t))
        ids.extend(tracker.update(frame, t).tracker_id.tolist())
    assert set(ids) == {1}


def static_object_then_low_scores(config: ByteTrackConfig) -> list[int]:
    """A static box scores 0.8 for 5 frames (a confirmed track), then 0.3 for 5 s."""
    tracker = ByteTracker(config)
    box = (300.0, 300.0, 330.0, 380.0)
    counts = []
    for i in range(55):
        score = 0.8 if i < 5 else 0.3
        counts.append(len(tracker.update(dets((*box, score, 0)), i / 10)))
    return counts


def test_motion_gate_stops_low_score_clutter_holding_a_track() -> None:
    gated = static_object_then_low_scores(ByteTrackConfig(max_lost_s=1.0, low_score_hold_s=0.0))
    assert gated[4] == 1
    assert gated[5:] == [0] * 50
    ungated = static_object_then_low_scores(
        ByteTrackConfig(max_lost_s=1.0, low_score_min_speed_hps=0.0)
    )
    assert ungated[5:] == [1] * 50  # without the gate the clutter lives on


def test_low_score_hold_ends_after_the_last_high_score() -> None:
    # last high score at 0.4 s: low scores hold the static track until 2.4 s, not after
    held = static_object_then_low_scores(ByteTrackConfig(max_lost_s=1.0, low_score_hold_s=2.0))
    assert held[5:25] == [1] * 20
    assert held[25:] == [0] * 30


def test_low_score_detections_extend_a_moving_track() -> None:
    tracker = ByteTracker(ByteTrackConfig(max_lost_s=0.5))
    for i in range(40):
        t = i / 10
        out = tracker.update(dets(walker(t, 0.9 if i < 10 else 0.3)), t)
        assert out.tracker_id.tolist() == [1], i
        assert out.confirmed.tolist() == [i >= 2]


def test_low_scores_alone_never_start_tracks() -> None:
    tracker = ByteTracker()
    for i in range(20):
        assert len(tracker.update(dets(walker(i / 10, 0.45)), i / 10)) == 0


def test_class_switch_is_penalised_between_overlapping_objects() -> None:
    tracker = ByteTracker()
    person = (100.0, 100.0, 130.0, 180.0)
    car = (110.0, 120.0, 190.0, 180.0)
    for i in range(10):
        out = tracker.update(dets((*person, 0.9, 0), (*car, 0.8, 1)), i / 10)
    classes = dict(zip(out.tracker_id.tolist(), out.class_names, strict=True))
    assert classes == {1: "person", 2: "car"}


def test_many_crossing_tracks_keep_distinct_ids() -> None:
    tracker = ByteTracker()
    for i in range(30):
        t = i / 10
        rows = [
            (50.0 * k, 10.0 + 60.0 * k + 5 * t, 50.0 * k + 20, 70.0 + 60.0 * k, 0.9, 0)
            for k in range(20)
        ]
        out = tracker.update(dets(*rows), t)
    assert sorted(out.tracker_id.tolist()) == list(range(1, 21))
    assert out.confirmed.all()


def test_bad_input_is_rejected() -> None:
    tracker = ByteTracker()
    tracker.update(dets(walker(1.0)), 1.0)
    with pytest.raises(TrackerError, match=r"time went backwards"):
        tracker.update(dets(walker(0.5)), 0.5)
    with pytest.raises(TrackerError, match=r"finite"):
        tracker.update(dets(walker(1.0)), float("nan"))
    with pytest.raises(TrackerError, match=r"non-finite"):
        tracker.update(dets((np.nan, 0.0, 1.0, 1.0, 0.9, 0)), 2.0)


def test_config_is_strict() -> None:
    with pytest.raises(ValidationError, match=r"low_score"):
        ByteTrackConfig(low_score=0.7, high_score=0.5)
    with pytest.raises(ValidationError, match=r"extra"):
        ByteTrackConfig(frobnicate=1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        ByteTrackConfig(max_lost_s=-1.0)


def test_kalman_predicts_constant_velocity_for_any_step() -> None:
    model = BoxMotionModel()
    mean, cov = model.initiate([[50.0, 50.0, 10.0, 20.0]])
    mean[0, 4:6] = [30.0, -10.0]
    for dt in (0.0, 0.04, 0.5, 2.0):
        pred, pcov = model.predict(mean, cov, dt)
        np.testing.assert_allclose(pred[0, :2], [50.0 + 30.0 * dt, 50.0 - 10.0 * dt])
        assert np.all(np.diag(pcov[0]) >= np.diag(cov[0]) - 1e-9)
    post, pcov = model.update(mean, cov, [[54.0, 50.0, 10.0, 20.0]])
    assert 50.0 < post[0, 0] < 54.0
    assert pcov[0, 0, 0] < cov[0, 0, 0]
    np.testing.assert_allclose(pcov[0], pcov[0].T)


def test_kalman_learns_velocity_from_irregular_samples() -> None:
    model = BoxMotionModel()
    rng = np.random.default_rng(0)
    times = np.cumsum(rng.uniform(0.03, 0.3, 40))
    mean, cov = model.initiate([[0.0, 0.0, 20.0, 50.0]])
    last = 0.0
    for t in times.tolist():
        mean, cov = model.predict(mean, cov, t - last)
        mean, cov = model.update(mean, cov, [[25.0 * t, 5.0 * t, 20.0, 50.0]])
        last = t
    np.testing.assert_allclose(mean[0, 4:6], [25.0, 5.0], atol=0.5)


@settings(max_examples=50, deadline=None)
@given(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4), st.floats(1.0, 1e3), st.floats(1.0, 1e3))
def test_box_conversions_round_trip(x: float, y: float, w: float, h: float) -> None:
    box = np.array([[x, y, x + w, y + h]])
    np.testing.assert_allclose(cxcywh_to_xyxy(xyxy_to_cxcywh(box)), box, atol=1e-6)


def _tiny(t: float, score: float, h: float) -> tuple[float, float, float, float, float, int]:
    return (500.0, 300.0, 500.0 + h / 2.0, 300.0 + h, score, 0)


@pytest.mark.parametrize(
    ("h", "score", "starts"),
    [
        (13.0, 0.42, True),  # 600 m: the thresholds are scaled by 0.75 (0.375)
        (13.0, 0.36, False),  # still below the scaled threshold
        (40.0, 0.42, False),  # a large box needs the full 0.5
    ],
)
def test_small_distant_people_start_tracks_at_scaled_thresholds(
    h: float, score: float, starts: bool
) -> None:
    tracker = ByteTracker()
    states = [tracker.update(dets(_tiny(i / 5, score, h)), i / 5) for i in range(4)]
    assert (len(states[0]) == 1) is starts
    assert bool(len(states[-1]) and states[-1].confirmed[0]) is starts


def test_the_threshold_scale_falls_linearly_between_full_and_half_height() -> None:
    cfg = ByteTrackConfig(small_box_h_px=24.0, small_box_score_factor=0.75)
    tracker = ByteTracker(cfg)
    # 18 px: half-way between 12 and 24 → factor 0.875, high threshold 0.4375
    below = tracker.update(dets(_tiny(0.0, 0.43, 18.0)), 0.0)
    assert len(below) == 0
    above = ByteTracker(cfg).update(dets(_tiny(0.0, 0.44, 18.0)), 0.0)
    assert len(above) == 1
    off = ByteTracker(ByteTrackConfig(small_box_h_px=0.0)).update(dets(_tiny(0.0, 0.44, 13.0)), 0.0)
    assert len(off) == 0


def test_a_tiny_track_that_does_not_move_in_the_image_survives_a_long_gap() -> None:
    """600 m away, walking toward the camera: the same pixels for seconds, detections
    missing for 3 s; the track keeps its id (a 40 px box in the same gap is dropped)."""
    for h, kept in ((13.0, True), (40.0, False)):
        tracker = ByteTracker()
        for i in range(5):
            tracker.update(dets(_tiny(i / 5, 0.6, h)), i / 5)
        for i in range(5, 20):
            tracker.update(Detections.empty(LABELS), i / 5)
        again = tracker.update(dets(_tiny(4.0, 0.6, h)), 4.0)
        assert (again.tracker_id.tolist() == [1]) is kept
