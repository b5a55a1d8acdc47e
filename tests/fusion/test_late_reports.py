"""Reports that arrive after their track has moved on are folded in at their own time."""

from __future__ import annotations

import numpy as np

from kordon.fusion.health import RejectReason
from kordon.fusion.tracker import SiteTracker
from tests.fusion.builders import T0, obs, tracker

SPEED_MPS = 1.5


def _truth(t: float) -> tuple[float, float]:
    return (SPEED_MPS * (t - T0), 20.0)


def _walked(trk: SiteTracker, until_s: float) -> None:
    """cam-1 sees the walker every 0.1 s up to ``until_s``; the tracker runs with no hold
    (each scan processed as it comes, so the watermark is the newest scan)."""
    t = T0
    while t <= until_s + 1e-9:
        trk.ingest(obs([_truth(t)], time_s=t, sensor="cam-1", sigma_m=0.5), t)
        trk.advance(t + trk.config.reorder_lag_s)
        t += 0.1


def test_a_report_older_than_its_track_is_used_not_refused() -> None:
    trk = tracker(reorder_lag_s=1.0)
    _walked(trk, T0 + 3.0)
    before = trk.snapshot(T0 + 3.0)
    assert len(before) == 1
    # cam-2's report of 0.4 s ago arrives now: older than what has been processed.
    late_t = T0 + 2.6
    report = trk.ingest(
        obs([_truth(late_t)], time_s=late_t, sensor="cam-2", sigma_m=0.3), T0 + 3.05
    )
    assert report.reason.tolist() == [RejectReason.ACCEPTED]
    step = trk.advance(T0 + 3.05 + trk.config.reorder_lag_s)
    assert step.assignments.site_track_id.tolist() == before.site_track_id.tolist()
    after = trk.snapshot(T0 + 3.0)
    # The track stays at its own time, near the truth, and is now seen by both cameras.
    assert after.sensor_ids[0] == ("cam-1", "cam-2")
    assert after.last_update_s[0] == before.last_update_s[0]  # not moved back
    np.testing.assert_allclose(after.east_north_m[0], _truth(T0 + 3.0), atol=0.5)
    assert np.trace(after.position_cov_m2[0]) < np.trace(before.position_cov_m2[0])


def test_a_report_older_than_the_lag_is_still_refused() -> None:
    trk = tracker(reorder_lag_s=0.5)
    _walked(trk, T0 + 3.0)
    late_t = T0 + 2.3
    report = trk.ingest(obs([_truth(late_t)], time_s=late_t, sensor="cam-2"), T0 + 3.0)
    assert report.reason.tolist() == [RejectReason.TOO_LATE]
