"""``ObservationScreen``: the value checks every observation passes before fusion."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kordon.domain.observations import Observations
from kordon.fusion.config import FusionConfig
from kordon.fusion.health import RejectReason

ReasonArray = npt.NDArray[np.int8]


class ObservationScreen:
    """Reason code per row (``ACCEPTED`` = 0): a bad row is rejected, never the batch.

    Checks, in order: every number finite; position, variances and confidence within
    bounds; covariance symmetric and positive definite (a zero or negative variance would
    make the innovation covariance singular); then time against ``[watermark, now + max
    future]``. Sensor checks (unknown, flooding) come after, in the tracker.
    """

    def __init__(self, config: FusionConfig) -> None:
        self._config = config

    def screen(self, obs: Observations, *, now_s: float, watermark_s: float) -> ReasonArray:
        c = self._config
        n = len(obs)
        reason = np.zeros(n, np.int8)
        if n == 0:
            return reason
        cov = obs.cov_m2
        finite = (
            np.isfinite(obs.time_s)
            & np.isfinite(obs.east_north_m).all(axis=1)
            & np.isfinite(cov).all(axis=(1, 2))
            & np.isfinite(obs.confidence)
        )
        reason[~finite] = RejectReason.NOT_FINITE
        with np.errstate(invalid="ignore", over="ignore"):
            a, b, b2, d = cov[:, 0, 0], cov[:, 0, 1], cov[:, 1, 0], cov[:, 1, 1]
            in_range = (
                (np.abs(obs.east_north_m) <= c.max_abs_position_m).all(axis=1)
                & (a <= c.max_variance_m2)
                & (d <= c.max_variance_m2)
                & (obs.confidence >= 0.0)
                & (obs.confidence <= 1.0)
            )
            scale = np.maximum(np.abs(a), np.abs(d))
            symmetric = np.abs(b - b2) <= 1e-9 * np.maximum(scale, 1e-12)
            # Positive definite with some margin: the determinant relative to the
            # variances' product stays clear of round-off.
            positive = (a > 0) & (d > 0) & (a * d - b * b > 1e-9 * a * d)
        todo = reason == RejectReason.ACCEPTED
        reason[todo & ~in_range] = RejectReason.OUT_OF_RANGE
        todo = reason == RejectReason.ACCEPTED
        reason[todo & ~(symmetric & positive)] = RejectReason.NOT_POSITIVE_DEFINITE
        todo = reason == RejectReason.ACCEPTED
        reason[todo & (obs.time_s < watermark_s)] = RejectReason.TOO_LATE
        todo = reason == RejectReason.ACCEPTED
        reason[todo & (obs.time_s > now_s + c.max_future_s)] = RejectReason.IN_FUTURE
        return reason
