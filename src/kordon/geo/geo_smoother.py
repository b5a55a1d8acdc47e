"""``GeoSmoother``: a constant-velocity Kalman filter per image track, in local metres.

Ground points from one camera jitter with the box's bottom edge, metres per pixel growing
with range; the filter weighs each measurement by the covariance the camera model gives
for it, so near points steer the estimate and far ones only nudge it. State per track:
(east, north, v_east, v_north); process noise is white acceleration ``accel_sigma_mps2``.

The camera model's covariance is a bound for every target at that range (pose and terrain
allowance included); one track is usually measured far more precisely. Each track learns
its own share of it (covariance matching): the running mean of the innovations' outer
products, less the prediction's covariance, over the model's covariance, kept between
``min_noise_scale`` and 1. A track measured as noisily as the model says keeps the model;
a steady one gets the position uncertainty its measurements support, so a border rule
deciding from it is sure sooner. An innovation beyond ``_OUTLIER_NIS`` (normalised) only
nudges the estimate; one beyond ``jump_nis`` is a jump no walker makes (the image track
took someone else): the filter starts afresh there and the state says ``restarted``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kordon.domain.errors import KordonError

FloatArray = npt.NDArray[np.float64]

_H = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
_OUTLIER_NIS = 13.8  # chi-square, 2 degrees of freedom, 99.9 %


class SmootherError(KordonError, ValueError):
    """The smoother was given an unusable measurement or time."""


@dataclass(slots=True)
class SmoothedState:
    """One track's filter state at ``time_s``."""

    mean: FloatArray  # (4,) east, north, v_east, v_north
    cov: FloatArray  # (4, 4)
    time_s: float
    updates: int = 1
    # (2, 2) running mean of the innovations' outer products (None: none yet)
    innovation_m2: FloatArray | None = None
    noise_scale: float = 1.0  # the share of the camera model's covariance the filter uses
    restarted: bool = False  # this update started the filter afresh (a jump: someone else)

    @property
    def xy_m(self) -> FloatArray:
        return self.mean[:2].copy()

    @property
    def position_cov_m2(self) -> FloatArray:
        return self.cov[:2, :2].copy()

    @property
    def uncertainty_m(self) -> float:
        """1-sigma length of the position error ellipse's major axis."""
        return float(np.sqrt(max(float(np.linalg.eigvalsh(self.cov[:2, :2])[-1]), 0.0)))


class GeoSmoother:
    """Per-track constant-velocity Kalman filters keyed by track id."""

    def __init__(
        self,
        *,
        accel_sigma_mps2: float = 1.0,
        initial_speed_sigma_mps: float = 2.0,
        min_measurement_sigma_m: float = 0.3,
        forget_after_s: float = 5.0,
        min_noise_scale: float = 0.1,
        noise_window_updates: int = 25,
        jump_nis: float = 15.0,
    ) -> None:
        for name, value in (
            ("accel_sigma_mps2", accel_sigma_mps2),
            ("initial_speed_sigma_mps", initial_speed_sigma_mps),
            ("min_measurement_sigma_m", min_measurement_sigma_m),
            ("forget_after_s", forget_after_s),
        ):
            if not (np.isfinite(value) and value > 0):
                raise SmootherError(f"{name} must be a finite number > 0, got {value}")
        self.accel_sigma_mps2 = accel_sigma_mps2
        self.initial_speed_sigma_mps = initial_speed_sigma_mps
        self.min_var_m2 = min_measurement_sigma_m**2
        self.forget_after_s = forget_after_s
        if not (np.isfinite(min_noise_scale) and 0.0 < min_noise_scale <= 1.0):
            raise SmootherError(f"min_noise_scale must be in (0, 1], got {min_noise_scale}")
        if noise_window_updates < 1:
            raise SmootherError(f"noise_window_updates must be >= 1, got {noise_window_updates}")
        if not (np.isfinite(jump_nis) and jump_nis > _OUTLIER_NIS):
            raise SmootherError(
                f"jump_nis must be a finite number > {_OUTLIER_NIS}, got {jump_nis}"
            )
        self.jump_nis = jump_nis
        self.min_noise_scale = min_noise_scale
        self.noise_weight = 1.0 / noise_window_updates
        self._states: dict[int, SmoothedState] = {}

    def __len__(self) -> int:
        return len(self._states)

    def state(self, track_id: int) -> SmoothedState | None:
        return self._states.get(track_id)

    def update(
        self,
        track_id: int,
        xy_m: FloatArray,
        cov_m2: FloatArray,
        time_s: float,
        *,
        unlearnt_cov_m2: FloatArray | None = None,
    ) -> SmoothedState:
        """Predict the track to ``time_s`` and fuse one ground measurement.

        ``unlearnt_cov_m2``: doubt about this one measurement beyond the camera model's
        (feet possibly hidden below the box), added as is: the track's learnt noise share
        does not shrink it, and such a measurement teaches the filter nothing about it."""
        if not (np.all(np.isfinite(xy_m)) and np.all(np.isfinite(cov_m2))):
            raise SmootherError(f"track {track_id}: measurement must be finite")
        extra = np.zeros((2, 2))
        if unlearnt_cov_m2 is not None:
            if not np.all(np.isfinite(unlearnt_cov_m2)):
                raise SmootherError(f"track {track_id}: unlearnt covariance must be finite")
            extra = 0.5 * (unlearnt_cov_m2 + unlearnt_cov_m2.T)
        r = 0.5 * (cov_m2 + cov_m2.T) + self.min_var_m2 * np.eye(2)
        state = self._states.get(track_id)
        if state is None:
            return self._start(track_id, xy_m, r + extra, time_s)
        dt = time_s - state.time_s
        if dt < 0:
            raise SmootherError(
                f"track {track_id}: time went backwards ({time_s} s after {state.time_s} s)"
            )
        f = np.eye(4)
        f[0, 2] = f[1, 3] = dt
        q1 = np.array([[dt**4 / 4, dt**3 / 2], [dt**3 / 2, dt**2]]) * self.accel_sigma_mps2**2
        q = np.zeros((4, 4))
        q[np.ix_([0, 2], [0, 2])] = q1
        q[np.ix_([1, 3], [1, 3])] = q1
        mean = f @ state.mean
        cov = f @ state.cov @ f.T + q
        predicted = _H @ cov @ _H.T
        innovation = xy_m - _H @ mean
        r_used = state.noise_scale * r + extra
        s = predicted + r_used
        nis = float(innovation @ np.linalg.solve(s, innovation))
        if nis > self.jump_nis:  # no walker moves so: the image track took someone else
            restarted = self._start(track_id, xy_m, r + extra, time_s)
            restarted.restarted = True
            return restarted
        if nis > _OUTLIER_NIS:  # an outlier (a jump of the foot point) only nudges
            r_used = r_used * (nis / _OUTLIER_NIS)
            s = predicted + r_used
        gain = cov @ _H.T @ np.linalg.inv(s)
        mean = mean + gain @ innovation
        cov = (np.eye(4) - gain @ _H) @ cov
        state.mean, state.cov, state.time_s = mean, 0.5 * (cov + cov.T), time_s
        state.updates += 1
        state.restarted = False
        if self.min_noise_scale < 1.0 and not extra.any():
            self._adapt(state, innovation, predicted, r)
        return state

    def _start(
        self, track_id: int, xy_m: FloatArray, r: FloatArray, time_s: float
    ) -> SmoothedState:
        cov = np.zeros((4, 4))
        cov[:2, :2] = r
        cov[2, 2] = cov[3, 3] = self.initial_speed_sigma_mps**2
        state = SmoothedState(np.array([xy_m[0], xy_m[1], 0.0, 0.0]), cov, time_s)
        self._states[track_id] = state
        return state

    def _adapt(
        self, state: SmoothedState, innovation: FloatArray, predicted: FloatArray, r: FloatArray
    ) -> None:
        """Covariance matching: the innovations' spread less the prediction's share is
        the measurement noise the track really shows, as a share of the model's."""
        w = self.noise_weight
        seen = state.innovation_m2 if state.innovation_m2 is not None else r
        seen = (1.0 - w) * seen + w * np.outer(innovation, innovation)
        state.innovation_m2 = seen
        share = float(np.trace(seen - predicted) / np.trace(r))
        state.noise_scale = min(max(share, self.min_noise_scale), 1.0)

    def forget(self, time_s: float) -> list[int]:
        """Drop tracks not updated for ``forget_after_s``; returns their ids."""
        stale = [t for t, s in self._states.items() if time_s - s.time_s > self.forget_after_s]
        for t in stale:
            del self._states[t]
        return stale
