"""Border crossings decided from the smoothed ground position and its uncertainty.

Noisy ground measurements (the covariance the geo stage's projection gives) go through
``GeoSmoother`` into the border rule built with ``GeoRuleSettings``' defaults, as in
``GeoStage``. The line is the x axis; +y is its left (foreign) side.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pytest

from kordon.domain.event import Direction, Event, Frame
from kordon.domain.tracks import PlanarTracks
from kordon.geo.geo_rules import GeoRuleSettings
from kordon.geo.geo_smoother import GeoSmoother, SmoothedState
from kordon.rules.errors import RuleConfigError
from kordon.rules.line_crossing import LineCrossingRule

T0 = datetime(2025, 5, 1, tzinfo=UTC)
FPS = 5.0
SPEED_MPS = 1.3
LINE = [(-1e4, 0.0), (1e4, 0.0)]


def _one_person(state: SmoothedState) -> PlanarTracks:
    """Track 1, a confirmed person, at the smoother's state with its covariance."""
    return PlanarTracks(
        track_id=np.array([1]),
        xy=state.xy_m[None, :],
        class_name=("person",),
        confirmed=np.array([True]),
        quality=np.array([1.0]),
        position_cov=state.position_cov_m2[None, :, :],
    )


def _rule(settings: GeoRuleSettings, *, confidence: float | None) -> LineCrossingRule:
    return LineCrossingRule(
        "border",
        "cam",
        Frame.LOCAL,
        LINE,
        hysteresis_distance=settings.crossing_clear_m,
        hysteresis_frames=settings.crossing_updates,
        confidence=confidence,
        cooldown_s=settings.crossing_cooldown_s,
    )


def _run(
    rule: LineCrossingRule, path_xy: npt.NDArray[np.float64], sigma_m: float, seed: int
) -> list[tuple[float, Event]]:
    """(detection time s, event) for one track walking ``path_xy``, measured with noise
    ``sigma_m`` across the line (range error) and half that along it."""
    rng = np.random.default_rng(seed)
    cov = np.diag([(0.5 * sigma_m) ** 2, sigma_m**2])
    smoother = GeoSmoother()
    out: list[tuple[float, Event]] = []
    for k, xy in enumerate(path_xy):
        t = k / FPS
        state = smoother.update(1, xy + rng.multivariate_normal([0.0, 0.0], cov), cov, t)
        tracks = _one_person(state)
        out += [(t, e) for e in rule.trigger(tracks, T0 + timedelta(seconds=t))]
    return out


def _crossing(start_m: float = -20.0, duration_s: float = 40.0) -> npt.NDArray[np.float64]:
    n = int(duration_s * FPS)
    return np.stack([np.full(n, 5.0), start_m + SPEED_MPS * np.arange(n) / FPS], axis=1)


def _along(offset_m: float, duration_s: float = 120.0) -> npt.NDArray[np.float64]:
    n = int(duration_s * FPS)
    return np.stack([-50.0 + SPEED_MPS * np.arange(n) / FPS, np.full(n, offset_m)], axis=1)


@pytest.mark.parametrize("sigma_m", [0.5, 2.0, 6.0])
def test_every_crossing_fires_once_and_never_before_it_happens(sigma_m: float) -> None:
    settings = GeoRuleSettings()
    true_crossing_s = 20.0 / SPEED_MPS
    for seed in range(12):
        found = _run(
            _rule(settings, confidence=settings.crossing_confidence), _crossing(), sigma_m, seed
        )
        assert len(found) == 1, (seed, found)
        detected_s, event = found[0]
        assert detected_s > true_crossing_s, seed
        assert event.direction is Direction.OUT  # from the right (-y) to the left (+y)
        assert event.time is not None


def test_a_precise_position_fires_sooner_than_a_fixed_three_metres() -> None:
    """Near the camera (0.5 m noise) the probability is sure long before 3 m past the line."""
    settings = GeoRuleSettings()
    fixed = GeoRuleSettings(crossing_clear_m=3.0)
    delays_new, delays_fixed = [], []
    for seed in range(10):
        new = _run(_rule(settings, confidence=settings.crossing_confidence), _crossing(), 0.5, seed)
        old = _run(_rule(fixed, confidence=None), _crossing(), 0.5, seed)
        delays_new.append(new[0][0] - 20.0 / SPEED_MPS)
        delays_fixed.append(old[0][0] - 20.0 / SPEED_MPS)
    assert max(delays_new) < 2.0
    assert np.median(delays_new) < np.median(delays_fixed) - 0.8


def test_a_patrol_along_the_strip_with_uncertain_positions_raises_nothing() -> None:
    """A patrol 8 m inside the home side, seen far away (6 m noise across the line):
    a fixed 3 m margin turns the noise into crossings; the probability does not."""
    settings = GeoRuleSettings()
    for seed in range(10):
        assert (
            _run(_rule(settings, confidence=settings.crossing_confidence), _along(-8.0), 6.0, seed)
            == []
        )
    fixed = GeoRuleSettings(crossing_clear_m=3.0)
    false_alarms = sum(
        len(_run(_rule(fixed, confidence=None), _along(-8.0), 6.0, s)) for s in range(10)
    )
    assert false_alarms > 0  # the old rule on the same data: why the margin had to go


def test_position_uncertainty_across_the_line_sets_the_margin() -> None:
    """2 m past the line: sure with 0.5 m across-line sigma, not with 2 m (z = 2.33),
    whatever the sigma along the line."""
    rule = LineCrossingRule("b", "c", Frame.LOCAL, LINE, hysteresis_distance=0.5, confidence=0.99)

    def step(y: float, var_across: float, var_along: float, t: float) -> list[Event]:
        tracks = PlanarTracks(
            track_id=np.array([1]),
            xy=np.array([[0.0, y]]),
            class_name=("person",),
            confirmed=np.array([True]),
            quality=np.array([1.0]),
            position_cov=np.array([[[var_along, 0.0], [0.0, var_across]]]),
        )
        return rule.trigger(tracks, T0 + timedelta(seconds=t))

    assert step(-5.0, 0.25, 0.25, 0.0) == []  # commits to the right side
    assert step(2.0, 4.0, 100.0, 1.0) == []  # 2 m < 2.33 × 2 m: not sure yet
    assert step(2.0, 4.0, 0.25, 2.0) == []
    assert [e.direction for e in step(2.0, 0.25, 100.0, 3.0)] == [Direction.OUT]


@pytest.mark.parametrize("confidence", [0.4, 1.0, float("nan")])
def test_confidence_must_be_a_useful_probability(confidence: float) -> None:
    with pytest.raises(RuleConfigError, match=r"confidence"):
        LineCrossingRule("b", "c", Frame.LOCAL, LINE, confidence=confidence)


def test_a_track_measured_more_precisely_than_its_model_says_is_sure_sooner() -> None:
    """The camera model allows 2 m across the line (its pose and terrain allowance); this
    walker's measurements scatter 0.15 m. The smoother learns that from the track's own
    innovations, and the border rule fires within 1.3 s of the crossing, never before it;
    trusting the model alone, it waits until ~2 m past the line."""
    settings = GeoRuleSettings()
    true_crossing_s = 20.0 / SPEED_MPS
    rng = np.random.default_rng(5)
    model_cov = np.diag([1.0, 4.0])

    def delay(smoother: GeoSmoother) -> float:
        rule = _rule(settings, confidence=settings.crossing_confidence)
        for k, xy in enumerate(_crossing()):
            t = k / FPS
            z = xy + rng.normal(0.0, 0.15, 2)
            state = smoother.update(1, z, model_cov, t)
            tracks = _one_person(state)
            if rule.trigger(tracks, T0 + timedelta(seconds=t)):
                return t - true_crossing_s
        return float("inf")

    learned = [delay(GeoSmoother()) for _ in range(8)]
    trusting = [delay(GeoSmoother(min_noise_scale=1.0)) for _ in range(8)]
    assert all(0.0 < d < 1.3 for d in learned), learned
    assert min(trusting) > 1.5, trusting
