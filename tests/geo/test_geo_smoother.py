"""``GeoSmoother``: each track's share of the model covariance, outliers and jumps."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from kordon.geo.geo_smoother import GeoSmoother, SmootherError

FPS = 5.0
MODEL_COV = np.diag([4.0, 4.0])  # the camera model's 2 m, as at 200 m from a 20 m mast


def _walk(
    smoother: GeoSmoother, noise_m: float, updates: int, seed: int = 0
) -> list[tuple[float, float]]:
    """(noise share, 1-sigma uncertainty) after each update of a walker at 1.3 m/s."""
    rng = np.random.default_rng(seed)
    out: list[tuple[float, float]] = []
    for k in range(updates):
        t = k / FPS
        xy: npt.NDArray[np.float64] = np.array([1.3 * t, 0.0]) + rng.normal(0.0, noise_m, 2)
        state = smoother.update(1, xy, MODEL_COV, t)
        out.append((state.noise_scale, state.uncertainty_m))
    return out


def test_a_track_measured_more_precisely_than_the_model_learns_its_own_noise() -> None:
    adaptive = _walk(GeoSmoother(), noise_m=0.1, updates=150)
    fixed = _walk(GeoSmoother(min_noise_scale=1.0), noise_m=0.1, updates=150)
    assert adaptive[-1][0] == pytest.approx(0.1)  # down to the floor: 0.1 m is far below 2 m
    assert fixed[-1][0] == 1.0
    assert adaptive[-1][1] < 0.5 * fixed[-1][1]


def test_a_track_as_noisy_as_the_model_keeps_the_model() -> None:
    shares = [s for seed in range(5) for s, _ in _walk(GeoSmoother(), 2.0, 150, seed)[50:]]
    assert np.median(shares) > 0.7
    assert np.mean(np.asarray(shares) < 0.3) < 0.05


def test_a_jump_no_walker_makes_starts_the_filter_afresh() -> None:
    smoother = GeoSmoother()
    for k in range(30):
        state = smoother.update(7, np.array([0.0, 0.0]), MODEL_COV, k / FPS)
        assert not state.restarted
    jumped = smoother.update(7, np.array([0.0, 40.0]), MODEL_COV, 30 / FPS)
    assert jumped.restarted
    assert jumped.updates == 1
    assert jumped.xy_m.tolist() == [0.0, 40.0]
    assert jumped.noise_scale == 1.0
    after = smoother.update(7, np.array([0.0, 40.2]), MODEL_COV, 31 / FPS)
    assert not after.restarted
    assert after.updates == 2


def test_an_outlier_below_the_jump_only_nudges() -> None:
    """A 3.85-sigma innovation (normalised squared 14.8: an outlier, not yet a jump) moves
    the estimate less than the plain Kalman gain would."""
    smoother = GeoSmoother(min_noise_scale=1.0)
    for k in range(50):
        smoother.update(1, np.array([0.0, 0.0]), MODEL_COV, k / FPS)
    state = smoother.state(1)
    assert state is not None
    dt = 1.0 / FPS
    f = np.eye(4)
    f[0, 2] = f[1, 3] = dt
    q1 = np.array([[dt**4 / 4, dt**3 / 2], [dt**3 / 2, dt**2]])
    q = np.zeros((4, 4))
    q[np.ix_([0, 2], [0, 2])] = q1
    q[np.ix_([1, 3], [1, 3])] = q1
    predicted = f @ state.cov @ f.T + q
    s_yy = predicted[1, 1] + MODEL_COV[1, 1] + 0.09  # + the 0.3 m floor
    y = 3.85 * float(np.sqrt(s_yy))
    plain = predicted[1, 1] / s_yy * y
    moved = smoother.update(1, np.array([0.0, y]), MODEL_COV, 50 / FPS)
    assert not moved.restarted
    assert 0.0 < moved.xy_m[1] < 0.95 * plain


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"min_noise_scale": 0.0}, "min_noise_scale"),
        ({"min_noise_scale": 1.5}, "min_noise_scale"),
        ({"noise_window_updates": 0}, "noise_window_updates"),
        ({"jump_nis": 10.0}, "jump_nis"),
        ({"jump_nis": float("inf")}, "jump_nis"),
    ],
)
def test_settings_are_checked(kwargs: dict[str, float], name: str) -> None:
    with pytest.raises(SmootherError, match=name):
        GeoSmoother(**kwargs)  # type: ignore[arg-type]


def test_unlearnt_doubt_is_not_shrunk_by_the_learnt_noise_share_nor_taught() -> None:
    """A steady track has learnt a tenth of the model's noise; a measurement 6 m off with
    6 m of doubt about hidden feet moves it far less than the same one without the doubt,
    and leaves the learnt share as it was."""
    plain, doubtful = GeoSmoother(), GeoSmoother()
    _walk(plain, noise_m=0.1, updates=150)
    _walk(doubtful, noise_m=0.1, updates=150)
    t = 150 / FPS
    here = np.array([1.3 * t, 0.0])
    off = here + np.array([0.0, 6.0])
    before = doubtful.state(1)
    assert before is not None
    share = before.noise_scale
    moved = plain.update(1, off, MODEL_COV, t).mean[1]
    state = doubtful.update(1, off, MODEL_COV, t, unlearnt_cov_m2=np.diag([0.0, 36.0]))
    assert not state.restarted
    assert state.mean[1] < 0.2 * moved
    assert state.noise_scale == share


def test_unlearnt_doubt_must_be_finite() -> None:
    smoother = GeoSmoother()
    with pytest.raises(SmootherError, match="unlearnt covariance must be finite"):
        smoother.update(1, np.zeros(2), MODEL_COV, 0.0, unlearnt_cov_m2=np.full((2, 2), np.nan))
