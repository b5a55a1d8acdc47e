"""Constant-velocity Kalman filter on boxes, batched over tracks, for any time step.

State per track: (cx, cy, w, h, vx, vy, vw, vh) in pixels and pixels per second.
Process noise is white acceleration (continuous-time, so it scales correctly with the
interval ``dt_s`` between updates); all noise scales with the box height, so one setting
works for near (large) and far (small) objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Mean = npt.NDArray[np.float64]
"""(N, 8) state means."""
Cov = npt.NDArray[np.float64]
"""(N, 8, 8) state covariances."""

_H = np.hstack([np.eye(4), np.zeros((4, 4))])
_MIN_SIZE_PX = 1.0


def xyxy_to_cxcywh(xyxy: npt.ArrayLike) -> npt.NDArray[np.float64]:
    b = np.asarray(xyxy, np.float64).reshape(-1, 4)
    wh = np.maximum(b[:, 2:] - b[:, :2], _MIN_SIZE_PX)
    return np.concatenate([(b[:, :2] + b[:, 2:]) / 2.0, wh], axis=1)


def cxcywh_to_xyxy(cxcywh: npt.ArrayLike) -> npt.NDArray[np.float64]:
    b = np.asarray(cxcywh, np.float64).reshape(-1, 4)
    half = np.maximum(b[:, 2:], _MIN_SIZE_PX) / 2.0
    return np.concatenate([b[:, :2] - half, b[:, :2] + half], axis=1)


@dataclass(frozen=True, slots=True)
class BoxMotionModel:
    """Noise levels of the filter, as fractions of the box height.

    ``position_accel_hps2``: white-acceleration density of the centre (box heights / s²);
    ``size_accel_hps2`` the same for width and height; ``measurement_std_h``: detector box
    noise (box heights); ``initial_speed_std_hps``: prior on the speed of a new track.
    """

    position_accel_hps2: float = 2.0
    size_accel_hps2: float = 0.5
    measurement_std_h: float = 0.05
    initial_speed_std_hps: float = 1.0

    def initiate(self, boxes_cxcywh: npt.ArrayLike) -> tuple[Mean, Cov]:
        """States for new tracks at the measured boxes, at rest, with a wide speed prior."""
        z = np.asarray(boxes_cxcywh, np.float64).reshape(-1, 4)
        n = z.shape[0]
        mean = np.concatenate([z, np.zeros((n, 4))], axis=1)
        h = z[:, 3]
        pos_std = 2.0 * self.measurement_std_h * h
        vel_std = self.initial_speed_std_hps * h
        std = np.stack([pos_std] * 4 + [vel_std, vel_std, 0.2 * vel_std, 0.2 * vel_std], axis=1)
        cov = np.zeros((n, 8, 8))
        idx = np.arange(8)
        cov[:, idx, idx] = std**2
        return mean, cov

    def predict(self, mean: Mean, cov: Cov, dt_s: npt.ArrayLike) -> tuple[Mean, Cov]:
        """States ``dt_s`` seconds later (``dt_s`` scalar or one value per track, >= 0)."""
        n = mean.shape[0]
        dt = np.broadcast_to(np.asarray(dt_s, np.float64), (n,))
        f = np.broadcast_to(np.eye(8), (n, 8, 8)).copy()
        idx = np.arange(4)
        f[:, idx, idx + 4] = dt[:, None]
        h = np.maximum(mean[:, 3], _MIN_SIZE_PX)
        q_density = np.stack(
            [(self.position_accel_hps2 * h) ** 2] * 2 + [(self.size_accel_hps2 * h) ** 2] * 2,
            axis=1,
        )
        q = np.zeros((n, 8, 8))
        q[:, idx, idx] = q_density * (dt**3 / 3.0)[:, None]
        q[:, idx, idx + 4] = q_density * (dt**2 / 2.0)[:, None]
        q[:, idx + 4, idx] = q[:, idx, idx + 4]
        q[:, idx + 4, idx + 4] = q_density * dt[:, None]
        new_mean = np.einsum("nij,nj->ni", f, mean)
        new_cov = f @ cov @ f.transpose(0, 2, 1) + q
        new_mean[:, 2:4] = np.maximum(new_mean[:, 2:4], _MIN_SIZE_PX)
        return new_mean, new_cov

    def update(self, mean: Mean, cov: Cov, boxes_cxcywh: npt.ArrayLike) -> tuple[Mean, Cov]:
        """Posterior states after measuring ``boxes_cxcywh`` (one row per track)."""
        z = np.asarray(boxes_cxcywh, np.float64).reshape(-1, 4)
        std = self.measurement_std_h * np.maximum(mean[:, 3], _MIN_SIZE_PX)
        r = np.zeros((mean.shape[0], 4, 4))
        idx = np.arange(4)
        r[:, idx, idx] = (std**2)[:, None]
        s = _H @ cov @ _H.T + r
        pht = cov @ _H.T
        gain = np.linalg.solve(s, pht.transpose(0, 2, 1)).transpose(0, 2, 1)
        innovation = z - mean[:, :4]
        new_mean = mean + np.einsum("nij,nj->ni", gain, innovation)
        new_cov = cov - gain @ _H @ cov
        new_cov = (new_cov + new_cov.transpose(0, 2, 1)) / 2.0
        new_mean[:, 2:4] = np.maximum(new_mean[:, 2:4], _MIN_SIZE_PX)
        return new_mean, new_cov

    def reupdate(
        self,
        mean: Mean,
        cov: Cov,
        from_box_cxcywh: npt.ArrayLike,
        to_box_cxcywh: npt.ArrayLike,
        dts_s: npt.ArrayLike,
    ) -> tuple[Mean, Cov]:
        """Observation-centric re-update of one track after a gap (OC-SORT's idea).

        ``mean``/``cov`` (1, 8) and (1, 8, 8) are the state right after the last real
        observation ``from_box_cxcywh``; ``dts_s`` the steps from there to the new
        observation ``to_box_cxcywh`` (their sum is the gap). The filter is run along the
        straight virtual path between the two boxes, one update per step, the last step
        updating with the new observation itself: the velocity comes out as the motion
        over the gap instead of whatever the blind prediction drifted to.
        """
        a = np.asarray(from_box_cxcywh, np.float64).reshape(4)
        b = np.asarray(to_box_cxcywh, np.float64).reshape(4)
        steps = np.asarray(dts_s, np.float64).reshape(-1)
        total = float(steps.sum())
        elapsed = 0.0
        for dt in steps.tolist():
            elapsed += dt
            frac = 1.0 if total <= 0.0 else min(elapsed / total, 1.0)
            mean, cov = self.predict(mean, cov, dt)
            mean, cov = self.update(mean, cov, (a + frac * (b - a))[None, :])
        return mean, cov
