"""Bad input is rejected row by row with a reason, a counter and a health event; the
tracks stay finite and positive definite whatever arrives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.domain.errors import ShapeError
from kordon.domain.observations import Observations
from kordon.fusion.health import RejectReason
from tests.fusion.builders import T0, obs, tracker

GOOD_COV = [[0.25, 0.0], [0.0, 0.25]]


def one(**override: object) -> Observations:
    fields: dict[str, object] = {
        "time_s": [T0],
        "sensor_id": "cam-1",
        "east_north_m": [[1.0, 2.0]],
        "cov_m2": [GOOD_COV],
        "class_name": "person",
        "confidence": [0.9],
    }
    fields.update(override)
    return Observations.from_arrays(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({}, RejectReason.ACCEPTED),
        ({"east_north_m": [[np.nan, 2.0]]}, RejectReason.NOT_FINITE),
        ({"time_s": [np.inf]}, RejectReason.NOT_FINITE),
        ({"cov_m2": [[[np.nan, 0.0], [0.0, 1.0]]]}, RejectReason.NOT_FINITE),
        ({"confidence": [np.nan]}, RejectReason.NOT_FINITE),
        ({"cov_m2": [[[1.0, 2.0], [2.0, 1.0]]]}, RejectReason.NOT_POSITIVE_DEFINITE),
        ({"cov_m2": [[[0.0, 0.0], [0.0, 0.0]]]}, RejectReason.NOT_POSITIVE_DEFINITE),
        ({"cov_m2": [[[-1.0, 0.0], [0.0, 1.0]]]}, RejectReason.NOT_POSITIVE_DEFINITE),
        ({"cov_m2": [[[1.0, 0.5], [0.1, 1.0]]]}, RejectReason.NOT_POSITIVE_DEFINITE),
        ({"cov_m2": [[[1e12, 0.0], [0.0, 1.0]]]}, RejectReason.OUT_OF_RANGE),
        ({"east_north_m": [[5e6, 0.0]]}, RejectReason.OUT_OF_RANGE),
        ({"confidence": [1.5]}, RejectReason.OUT_OF_RANGE),
        ({"time_s": [T0 - 3600.0]}, RejectReason.TOO_LATE),
        ({"time_s": [T0 + 3600.0]}, RejectReason.IN_FUTURE),
        ({"sensor_id": "cam-9"}, RejectReason.UNKNOWN_SENSOR),
    ],
)
def test_each_bad_row_gets_its_reason(override: dict[str, object], reason: RejectReason) -> None:
    trk = tracker()
    report = trk.ingest(one(**override), T0)
    assert report.reason.tolist() == [reason]
    if reason == RejectReason.ACCEPTED:
        assert report.events == ()
        return
    (event,) = report.events
    sensor = "<unknown>" if reason == RejectReason.UNKNOWN_SENSOR else "cam-1"
    assert (event.sensor_id, event.reason, event.count) == (sensor, reason, 1)
    assert reason.label in event.reason.label
    assert trk.counters.get(sensor, reason) == 1
    assert len(trk.advance(T0 + 1.0).tracks) == 0


def test_one_bad_row_does_not_reject_the_batch() -> None:
    batch = obs([(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)])
    cov = batch.cov_m2.copy()
    cov[1] = np.nan
    report = tracker().ingest(
        Observations(
            batch.time_s,
            batch.sensor_id,
            batch.east_north_m,
            cov,
            batch.class_name,
            batch.confidence,
            batch.local_id,
        ),
        T0,
    )
    assert report.reason.tolist() == [0, RejectReason.NOT_FINITE, 0]
    assert report.seq.tolist() == [0, -1, 1]


def test_a_flooding_sensor_is_throttled_without_starving_the_others() -> None:
    trk = tracker(rate_hz=100.0)  # burst 100, then 100 per second
    flood = obs([(float(i % 50), 0.0) for i in range(1000)], sensor="cam-1")
    calm = obs([(0.0, 50.0), (5.0, 50.0)], sensor="cam-2")
    report = trk.ingest(Observations.concatenate([flood, calm]), T0)
    assert report.accepted == 102
    assert report.reason[-2:].tolist() == [0, 0]
    events = {(e.sensor_id, e.reason): e.count for e in report.events}
    assert events == {("cam-1", RejectReason.FLOODING): 900}
    # Half a second later the bucket has refilled by 50.
    later = obs([(1.0, 0.0)] * 80, time_s=T0 + 0.5, sensor="cam-1")
    assert trk.ingest(later, T0 + 0.5).accepted == 50
    assert trk.counters.by_reason() == {RejectReason.FLOODING: 930}


def test_the_buffer_is_bounded() -> None:
    trk = tracker(max_buffered=5, reorder_lag_s=1.0)
    report = trk.ingest(obs([(float(i), 0.0) for i in range(8)]), T0)
    assert report.reason.tolist() == [0] * 5 + [RejectReason.BUFFER_FULL] * 3
    assert trk.pending == 5


def test_non_finite_now_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="now_s must be finite"):
        tracker().advance(float("nan"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("east_north_m", np.zeros((2, 3)), r"east_north_m: expected shape \(2, 2\), got \(2, 3\)"),
        ("cov_m2", np.zeros((2, 2)), r"cov_m2: expected shape \(2, 2, 2\)"),
        ("sensor_id", np.array([1, 2]), "sensor_id: expected dtype kind 'U'"),
        ("confidence", np.zeros(3), r"confidence: expected shape \(2,\), got \(3,\)"),
    ],
)
def test_batch_shapes_are_checked_on_construction(
    field: str, value: np.ndarray, message: str
) -> None:
    good = obs([(0.0, 0.0), (1.0, 1.0)])
    fields: dict[str, Any] = {
        "time_s": good.time_s,
        "sensor_id": good.sensor_id,
        "east_north_m": good.east_north_m,
        "cov_m2": good.cov_m2,
        "class_name": good.class_name,
        "confidence": good.confidence,
        "local_id": good.local_id,
    }
    fields[field] = value
    with pytest.raises(ShapeError, match=message):
        Observations(**fields)


floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
small = st.floats(min_value=-200.0, max_value=200.0)


@st.composite
def batches(draw: st.DrawFn) -> tuple[Observations, float]:
    n = draw(st.integers(0, 12))
    now = T0 + draw(st.floats(0.0, 5.0))
    pick = st.one_of(small, floats)
    rows = [
        (
            now + draw(st.one_of(st.floats(-0.3, 0.1), floats)),
            draw(st.sampled_from(["cam-1", "cam-2", "cam-x", ""])),
            (draw(pick), draw(pick)),
            (
                (
                    draw(st.one_of(st.floats(0.01, 4.0), floats)),
                    c := draw(st.one_of(st.floats(-1, 1), floats)),
                ),
                (
                    c if draw(st.booleans()) else draw(floats),
                    draw(st.one_of(st.floats(0.01, 4.0), floats)),
                ),
            ),
            draw(st.one_of(st.floats(0.0, 1.0), floats)),
        )
        for _ in range(n)
    ]
    batch = Observations.from_arrays(
        time_s=[r[0] for r in rows],
        sensor_id=[r[1] for r in rows] if rows else [],
        east_north_m=[r[2] for r in rows],
        cov_m2=[r[3] for r in rows],
        class_name="person",
        confidence=[r[4] for r in rows],
    )
    return batch, now


@settings(max_examples=60, deadline=None)
@given(st.lists(batches(), min_size=1, max_size=6))
def test_arbitrary_input_never_crashes_or_corrupts_a_track(
    stream: list[tuple[Observations, float]],
) -> None:
    trk = tracker(reorder_lag_s=0.2)
    now = T0
    for batch, t in stream:
        now = max(now, t)
        report = trk.ingest(batch, now)
        assert report.reason.shape == (len(batch),)
        assert report.accepted + sum(e.count for e in report.events) == len(batch)
        assert set(report.seq[report.reason == 0].tolist()).isdisjoint({-1})
        step = trk.advance(now)
        tracks = step.tracks
        assert np.isfinite(tracks.east_north_m).all()
        assert np.isfinite(tracks.velocity_mps).all()
        cov = tracks.position_cov_m2
        np.testing.assert_allclose(cov, np.swapaxes(cov, 1, 2), rtol=1e-9, atol=1e-9)
        assert (np.linalg.eigvalsh(cov) > 0).all()
    assert trk.numerical_failures == 0
