"""``ObservationScreen``: the value checks every observation passes before fusion."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kordon.domain.observations import Observations
from kordon.fusion.config import FusionConfig
from kordon.fusion.health import RejectReason

ReasonArray = npt.NDArray[np.int8]

_ACCEPTED = int(RejectReason.ACCEPTED)
_NOT_FINITE = int(RejectReason.NOT_FINITE)
_OUT_OF_RANGE = int(RejectReason.OUT_OF_RANGE)
_NOT_POSITIVE_DEFINITE = int(RejectReason.NOT_POSITIVE_DEFINITE)
_TOO_LATE = int(RejectReason.TOO_LATE)
_IN_FUTURE = int(RejectReason.IN_FUTURE)


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
        t = obs.time_s
        with np.errstate(invalid="ignore", over="ignore"):
            a, b, b2, d = cov[:, 0, 0], cov[:, 0, 1], cov[:, 1, 0], cov[:, 1, 1]
            # NaN fails every comparison, so the passes below also exclude NaN; an
            # infinity fails a bound, the time window or the determinant test.
            xy = obs.east_north_m
            in_range = (
                (np.abs(xy).max(axis=1) <= c.max_abs_position_m)
                & (np.maximum(a, d) <= c.max_variance_m2)
                & (obs.confidence >= 0.0)
                & (obs.confidence <= 1.0)
            )
            # Positive definite with some margin: the determinant relative to the
            # variances' product stays clear of round-off (a > 0 and det > 0 give d > 0).
            ad = a * d
            positive = (a > 0) & (ad - b * b > 1e-9 * ad)
            timely = (t >= watermark_s) & (t <= now_s + c.max_future_s)
            if bool((in_range & positive & timely & (b == b2)).all()):
                return reason
            scale = np.maximum(np.abs(a), np.abs(d))
            symmetric = np.abs(b - b2) <= 1e-9 * np.maximum(scale, 1e-12)
        finite = (
            np.isfinite(t)
            & np.isfinite(obs.east_north_m).all(axis=1)
            & np.isfinite(cov).all(axis=(1, 2))
            & np.isfinite(obs.confidence)
        )
        reason[~finite] = _NOT_FINITE
        todo = reason == _ACCEPTED
        reason[todo & ~in_range] = _OUT_OF_RANGE
        todo = reason == _ACCEPTED
        reason[todo & ~(symmetric & positive)] = _NOT_POSITIVE_DEFINITE
        todo = reason == _ACCEPTED
        reason[todo & (t < watermark_s)] = _TOO_LATE
        todo = reason == _ACCEPTED
        reason[todo & (t > now_s + c.max_future_s)] = _IN_FUTURE
        return reason
