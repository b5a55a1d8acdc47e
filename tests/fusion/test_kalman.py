"""Predictor, updater and measurement models against the textbook matrix formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kordon.fusion.measurement import PositionModel, RangeBearingModel
from kordon.fusion.predictor import ConstantVelocityPredictor
from kordon.fusion.updater import KalmanUpdater


def random_spd(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    a = rng.normal(size=(n, dim, dim))
    return np.asarray(a @ a.transpose(0, 2, 1) + 0.1 * np.eye(dim))


def test_predict_matches_f_p_ft_plus_q() -> None:
    rng = np.random.default_rng(1)
    pred = ConstantVelocityPredictor(0.7)
    mean, cov, dt = rng.normal(size=(6, 4)), random_spd(rng, 6, 4), rng.uniform(0, 3, 6)
    out_mean, out_cov = pred.predict(mean, cov, dt)
    for i in range(6):
        f = np.array([[1, 0, dt[i], 0], [0, 1, 0, dt[i]], [0, 0, 1, 0], [0, 0, 0, 1]])
        q = 0.49 * np.block(
            [
                [np.eye(2) * dt[i] ** 3 / 3, np.eye(2) * dt[i] ** 2 / 2],
                [np.eye(2) * dt[i] ** 2 / 2, np.eye(2) * dt[i]],
            ]
        )
        np.testing.assert_allclose(out_mean[i], f @ mean[i])
        np.testing.assert_allclose(out_cov[i], f @ cov[i] @ f.T + q, rtol=1e-12, atol=1e-12)


def test_predict_in_two_steps_equals_one() -> None:
    rng = np.random.default_rng(2)
    pred = ConstantVelocityPredictor(1.3)
    mean, cov = rng.normal(size=(3, 4)), random_spd(rng, 3, 4)
    m1, c1 = pred.predict(mean, cov, np.full(3, 0.4))
    m2, c2 = pred.predict(m1, c1, np.full(3, 1.1))
    m3, c3 = pred.predict(mean, cov, np.full(3, 1.5))
    np.testing.assert_allclose(m2, m3)
    np.testing.assert_allclose(c2, c3, rtol=1e-12, atol=1e-12)


def test_a_negative_step_retrodicts_with_the_backward_process_noise() -> None:
    """x(t − τ) = F(−τ) x(t) − ∫ noise: the position and velocity variances grow as they do
    forward, and their covariance takes the opposite sign (the textbook backward model)."""
    rng = np.random.default_rng(4)
    pred = ConstantVelocityPredictor(0.9)
    mean, cov, tau = rng.normal(size=(5, 4)), random_spd(rng, 5, 4), rng.uniform(0.01, 3, 5)
    out_mean, out_cov = pred.predict(mean, cov, -tau)
    for i in range(5):
        f = pred.transition(-tau[i])
        q = 0.81 * np.block(
            [
                [np.eye(2) * tau[i] ** 3 / 3, -np.eye(2) * tau[i] ** 2 / 2],
                [-np.eye(2) * tau[i] ** 2 / 2, np.eye(2) * tau[i]],
            ]
        )
        np.testing.assert_allclose(out_mean[i], f @ mean[i])
        np.testing.assert_allclose(out_cov[i], f @ cov[i] @ f.T + q, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(pred.noise(-tau[i]), q, rtol=1e-12, atol=1e-12)
        assert np.linalg.eigvalsh(out_cov[i]).min() > 0
    # Back and forth again: the same state, never a smaller uncertainty.
    back_mean, back_cov = pred.predict(out_mean, out_cov, tau)
    np.testing.assert_allclose(back_mean, mean, atol=1e-12)
    for i in range(5):
        assert np.linalg.eigvalsh(back_cov[i] - cov[i]).min() > 0
    _, pos_cov = pred.predict_position(mean, cov, -tau)
    np.testing.assert_allclose(pos_cov, out_cov[:, :2, :2], rtol=1e-12, atol=1e-12)


def test_linear_update_matches_textbook_kalman() -> None:
    rng = np.random.default_rng(3)
    mean, cov = rng.normal(size=(5, 4)), random_spd(rng, 5, 4)
    z, r = rng.normal(size=(5, 2)), random_spd(rng, 5, 2)
    new_mean, new_cov = KalmanUpdater().update(mean, cov, z, r, PositionModel())
    h = np.hstack([np.eye(2), np.zeros((2, 2))])
    for i in range(5):
        s = h @ cov[i] @ h.T + r[i]
        k = cov[i] @ h.T @ np.linalg.inv(s)
        np.testing.assert_allclose(new_mean[i], mean[i] + k @ (z[i] - h @ mean[i]))
        np.testing.assert_allclose(new_cov[i], (np.eye(4) - k @ h) @ cov[i], atol=1e-10)


def test_range_bearing_model_wraps_and_updates_towards_the_measurement() -> None:
    model = RangeBearingModel(east_m=0.0, north_m=0.0)
    state = np.array([[-1.0, 10.0, 0.0, 0.0]])  # just west of north: bearing ≈ -0.0997
    z_pred = model.measure(state)
    assert z_pred[0, 0] == pytest.approx(math.hypot(1.0, 10.0))
    assert z_pred[0, 1] == pytest.approx(math.atan2(-1.0, 10.0))
    # A measurement just east of north (bearing +0.1 expressed as 2π + 0.1) wraps.
    r = model.residual(np.array([[10.0, 2 * math.pi + 0.1]]), z_pred)
    assert r[0, 1] == pytest.approx(0.1 - math.atan2(-1.0, 10.0))
    # Numerical Jacobian agrees with the analytic one.
    eps = 1e-6
    numeric = np.stack(
        [(model.measure(state + eps * np.eye(4)[j]) - z_pred)[0] / eps for j in range(4)], 1
    )
    np.testing.assert_allclose(model.jacobian(state)[0], numeric, atol=1e-5)
    cov = np.diag([4.0, 4.0, 1.0, 1.0])[None]
    noise = np.diag([0.1, 0.01**2])[None]
    z = np.array([[math.hypot(1.0, 10.0), math.atan2(1.0, 10.0)]])
    new_mean, new_cov = KalmanUpdater().update(state, cov, z, noise, model)
    assert new_mean[0, 0] > 0.5  # moved east, to the measured bearing
    assert np.all(np.linalg.eigvalsh(new_cov[0]) > 0)
