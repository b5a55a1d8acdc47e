"""A picture that stops changing is noticed after ``after_s`` and its recovery at once;
a noisy or moving picture is never called frozen."""

from __future__ import annotations

import numpy as np
import pytest

from kordon.video.source.still import StillChange, StillImageWatch

FRAME_S = 0.2


def _frames(count: int, *, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (72, 128, 3), dtype=np.uint8) for _ in range(count)]


def test_an_unchanged_picture_is_frozen_after_the_limit_and_not_before() -> None:
    watch = StillImageWatch(after_s=10.0)
    image = _frames(1)[0]
    changes = [(k, watch.observe(image.copy(), k * FRAME_S)) for k in range(60)]
    reported = [(k, c) for k, c in changes if c is not None]
    # Unchanged since frame 0; frame 50 is 10 s later.
    assert reported == [(50, StillChange(True, 10.0))]
    assert watch.frozen
    assert watch.still_s(59 * FRAME_S) == pytest.approx(11.8)


def test_the_first_changed_frame_ends_the_freeze_once() -> None:
    watch = StillImageWatch(after_s=1.0)
    still, moving = _frames(2)
    for k in range(10):
        watch.observe(still, k * FRAME_S)
    assert watch.frozen
    assert watch.observe(moving, 10 * FRAME_S) == StillChange(False, 0.0)
    assert watch.observe(still, 11 * FRAME_S) is None
    assert (watch.frozen, watch.still_s(11 * FRAME_S)) == (False, 0.0)


def test_one_sampled_pixel_changing_keeps_the_picture_alive() -> None:
    watch = StillImageWatch(after_s=1.0, stride=8)
    image = np.zeros((72, 128, 3), np.uint8)
    for k in range(30):
        frame = image.copy()
        frame[8 * (k % 9), 0, 0] = k % 2  # one sampled pixel flickers
        assert watch.observe(frame, k * FRAME_S) is None
    assert not watch.frozen


def test_sensor_noise_is_never_frozen() -> None:
    watch = StillImageWatch(after_s=0.5)
    for k, frame in enumerate(_frames(20, seed=3)):
        assert watch.observe(frame, k * FRAME_S) is None
    assert not watch.frozen


def test_a_new_frame_size_starts_over() -> None:
    watch = StillImageWatch(after_s=1.0)
    small = np.zeros((36, 64, 3), np.uint8)
    large = np.zeros((72, 128, 3), np.uint8)
    for k in range(4):
        watch.observe(small, k * FRAME_S)
    watch.observe(large, 4 * FRAME_S)
    assert watch.still_s(4 * FRAME_S) == 0.0
    assert not watch.frozen


@pytest.mark.parametrize(("after_s", "stride"), [(0.0, 8), (-1.0, 8), (1.0, 0)])
def test_bad_settings_are_refused(after_s: float, stride: int) -> None:
    with pytest.raises(ValueError, match=r"after_s|stride"):
        StillImageWatch(after_s=after_s, stride=stride)
