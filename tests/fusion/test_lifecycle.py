"""Track life: M-of-N confirmation, deletion, out-of-order input, handover, provenance."""

from __future__ import annotations

import numpy as np
import pytest

from kordon.fusion.health import RejectReason
from kordon.fusion.reports import FusionStep
from kordon.fusion.tracker import SiteTracker
from tests.fusion.builders import T0, obs, tracker, walk


def confirmed_ids(step: FusionStep) -> list[int]:
    return [int(i) for i in step.tracks.site_track_id[step.tracks.confirmed]]


def test_track_is_tentative_until_m_of_n_hits() -> None:
    trk = tracker(confirm_hits=3, confirm_window=5, reorder_lag_s=0.0)
    states = []
    for k in range(4):
        t = T0 + 0.1 * k
        _, step = trk.update(obs([(10.0 + 0.1 * k, 5.0)], time_s=t), t)
        states.append(bool(step.tracks.confirmed[0]))
    assert states == [False, False, True, True]
    assert len(np.unique(trk.snapshot(T0 + 1).site_track_id)) == 1


def test_misses_delay_confirmation() -> None:
    trk = tracker(confirm_hits=3, confirm_window=3, reorder_lag_s=0.0)
    # Hit, miss (the sensor reports someone far away), hit, hit: 3 of the last 3 only
    # after the fourth scan.
    pattern = [(10.0, 5.0), (300.0, 300.0), (10.2, 5.0), (10.3, 5.0), (10.4, 5.0)]
    confirmed = []
    for k, p in enumerate(pattern):
        t = T0 + 0.1 * k
        _, step = trk.update(obs([p], time_s=t), t)
        row = np.flatnonzero(step.tracks.site_track_id == 1)
        confirmed.append(bool(step.tracks.confirmed[row[0]]))
    assert confirmed == [False, False, False, False, True]


def test_tracks_are_deleted_after_coasting_and_report_their_ids() -> None:
    trk = tracker(reorder_lag_s=0.0, tentative_max_coast_s=0.5, confirmed_max_coast_s=2.0)
    walk(trk, start=(0.0, 0.0), velocity=(1.0, 0.0), steps=10)
    _, stray = trk.update(obs([(500.0, 500.0)], time_s=T0 + 1.0), T0 + 1.0)
    stray_id = int(stray.assignments.site_track_id[0])
    step = trk.advance(T0 + 1.6)
    assert stray_id in step.deleted.tolist()  # tentative, 0.6 s > 0.5 s
    assert confirmed_ids(step) == [1]
    assert trk.advance(T0 + 2.8).deleted.tolist() == []
    step = trk.advance(T0 + 3.0)  # 2.1 s since the last update at T0 + 0.9
    assert step.deleted.tolist() == [1]
    assert len(step.tracks) == 0
    assert trk.provenance(1) is None


def test_track_is_deleted_when_its_uncertainty_grows_too_large() -> None:
    trk = tracker(reorder_lag_s=0.0, confirmed_max_coast_s=600.0, max_position_sigma_m=3.0)
    walk(trk, start=(0.0, 0.0), velocity=(1.0, 0.0), steps=10)
    assert trk.advance(T0 + 1.5).deleted.tolist() == []
    deleted_at = None
    for k in range(1, 40):
        if trk.advance(T0 + 1.5 + 0.5 * k).deleted.tolist() == [1]:
            deleted_at = 0.5 * k
            break
    assert deleted_at is not None
    assert deleted_at < 20.0  # long before the 600 s coast limit


def test_out_of_order_within_the_lag_gives_the_same_tracks_as_in_order() -> None:
    def run(order: list[int]) -> np.ndarray:
        trk = tracker(reorder_lag_s=0.5)
        scans = [
            obs([(1.0 * k, 2.0), (30.0 - k, 10.0)], time_s=T0 + 0.1 * k, sensor=f"cam-{k % 2 + 1}")
            for k in range(10)
        ]
        for i, k in enumerate(order):
            trk.ingest(scans[k], T0 + 0.1 * i + 0.05)
        step = trk.advance(T0 + 3.0)
        return np.hstack([step.tracks.east_north_m, step.tracks.velocity_mps])

    in_order = run(list(range(10)))
    shuffled = run([1, 0, 3, 2, 5, 4, 7, 6, 9, 8])
    assert in_order.shape == (2, 4)
    np.testing.assert_allclose(shuffled, in_order)


def test_observation_older_than_the_lag_is_rejected_and_counted() -> None:
    trk = tracker(reorder_lag_s=0.2)
    assert trk.update(obs([(0.0, 0.0)], time_s=T0 + 1.0), T0 + 1.1)[0].accepted == 1
    report = trk.ingest(obs([(0.0, 0.0)], time_s=T0 + 1.2), T0 + 1.5)
    assert report.reason.tolist() == [RejectReason.TOO_LATE]
    assert report.seq.tolist() == [-1]
    assert [(e.sensor_id, e.reason, e.count) for e in report.events] == [
        ("cam-1", RejectReason.TOO_LATE, 1)
    ]
    assert trk.counters.get("cam-1", RejectReason.TOO_LATE) == 1
    # Within the lag it is accepted.
    assert trk.ingest(obs([(0.0, 0.0)], time_s=T0 + 1.35), T0 + 1.5).accepted == 1


def test_one_site_track_across_a_handover_with_provenance() -> None:
    trk: SiteTracker = tracker(reorder_lag_s=0.0)
    ids = walk(trk, start=(0.0, 0.0), velocity=(1.2, 0.0), steps=20, sensor="cam-1")
    # Overlap: both cameras see the walker for a second, with their own local ids.
    for k in range(20, 30):
        t = T0 + 0.1 * k
        p = (1.2 * k * 0.1, 0.0)
        trk.ingest(obs([p], time_s=t, sensor="cam-1", local_ids=["a7"]), t)
        trk.ingest(obs([p], time_s=t + 0.03, sensor="cam-2", local_ids=["b3"]), t + 0.03)
        ids.extend(trk.advance(t + 0.03).assignments.site_track_id.tolist())
    ids += walk(trk, start=(3.6, 0.0), velocity=(1.2, 0.0), steps=20, sensor="cam-2", t0=T0 + 3.0)
    assert set(ids) == {1}
    prov = trk.provenance(1)
    assert prov is not None
    assert set(prov.sensors) == {"cam-1", "cam-2"}
    assert prov.local_ids == {"cam-1": ("a7",), "cam-2": ("b3",)}
    snap = trk.snapshot(T0 + 5.0)
    assert snap.sensor_ids == (("cam-1", "cam-2"),)
    assert snap.velocity_mps[0] == pytest.approx([1.2, 0.0], abs=0.05)


def test_an_outlier_does_not_grow_into_a_duplicate_of_a_confirmed_track() -> None:
    trk = tracker(reorder_lag_s=0.0)
    ids = walk(trk, start=(0.0, 0.0), velocity=(1.0, 0.0), steps=20)
    assert set(ids) == {1}
    # One report 3 m off the track (outside its gate) starts a tentative track; the next
    # ones, 2 m off, are closer to that tentative track but inside the confirmed track's
    # gate: they belong to the confirmed track, and the tentative one starves.
    t = T0 + 2.0
    _, step = trk.update(obs([(2.0, 3.0)], time_s=t), t)
    outlier_id = int(step.assignments.site_track_id[0])
    assert outlier_id != 1
    later = []
    for k in range(1, 4):
        t = T0 + 2.0 + 0.1 * k
        _, step = trk.update(obs([(2.0 + 0.1 * k, 2.0)], time_s=t), t)
        later.extend(step.assignments.site_track_id.tolist())
    assert later == [1, 1, 1]
    assert confirmed_ids(step) == [1]
    assert outlier_id in trk.advance(T0 + 3.5).deleted.tolist()


def test_only_the_primary_sensors_local_ids_steer_association() -> None:
    trk = tracker(reorder_lag_s=0.0, local_id_bonus=8.0)
    # Two people 1 m apart walking east, first seen by cam-1 (their primary sensor).
    for k in range(20):
        t = T0 + 0.1 * k
        x = 0.1 * k
        trk.update(obs([(x, 0.0), (x, 1.0)], time_s=t, local_ids=["a", "b"]), t)
    # cam-2 joins; its ids are bound the other way round (p on the upper track, q lower).
    t = T0 + 2.0
    _, step = trk.update(
        obs([(2.0, 1.0), (2.0, 0.0)], time_s=t, sensor="cam-2", local_ids=["p", "q"]), t
    )
    assert step.assignments.site_track_id.tolist() == [2, 1]
    # cam-2 now reports p on the lower path and q on the upper one: cam-2 is not the
    # primary sensor of either track, so its ids do not pull, position decides.
    t = T0 + 2.05
    _, step = trk.update(
        obs([(2.05, 0.0), (2.05, 1.0)], time_s=t, sensor="cam-2", local_ids=["p", "q"]), t
    )
    assert step.assignments.site_track_id.tolist() == [1, 2]
    # cam-1's ids do pull: "a" continues track 1 although it is reported nearer track 2.
    t = T0 + 2.1
    _, step = trk.update(obs([(2.1, 0.65)], time_s=t, local_ids=["a"]), t)
    assert step.assignments.site_track_id.tolist() == [1]


def test_an_unclassified_report_never_overwrites_a_cameras_class() -> None:
    from kordon.domain.observations import Observations
    from kordon.fusion.config import FusionConfig
    from kordon.fusion.sensors import SensorKind, SensorRegistry, SensorSpec
    from kordon.fusion.tracker import SiteTracker

    registry = SensorRegistry([SensorSpec("cam-1"), SensorSpec("ugs-1", SensorKind.GROUND)])
    tracker = SiteTracker(FusionConfig(reorder_lag_s=0.0), registry)

    def obs(sensor: str, t: float, cls: str, var: float) -> Observations:
        return Observations.from_arrays(
            time_s=[t],
            sensor_id=[sensor],
            east_north_m=[(0.0, 0.5 * t)],
            cov_m2=[((var, 0.0), (0.0, var))],
            class_name=[cls],
            confidence=[0.8],
            local_id=["a"],
        )

    for k in range(5):
        tracker.update(obs("cam-1", float(k), "person", 0.25), float(k))
    _, step = tracker.update(obs("ugs-1", 5.0, "unknown", 100.0), 5.0)
    assert step.tracks.class_name.tolist() == ["person"]
