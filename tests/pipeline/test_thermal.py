"""``kind: thermal`` end to end: the simulator renders thermal, the pipeline inverts it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from kordon.config.loader import load_site
from kordon.config.site import SiteConfig
from kordon.domain.status import DeviceStatus
from kordon.video.detectors.thermal import BlackHotDetector
from kordon.video.factory import build_camera_pipeline, build_detector, build_frame_source
from kordon.video.source.clock import FakeClock

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


def ignore(_: DeviceStatus) -> None:
    """A health sink for tests."""


@pytest.fixture(scope="module")
def thermal_volyn(repo_root: Path) -> SiteConfig:
    site = load_site(repo_root / "examples" / "volyn" / "site.yaml")
    cameras = [c.model_copy(update={"kind": "thermal"}) for c in site.cameras]
    return site.model_copy(update={"cameras": cameras})


def test_a_thermal_simulated_camera_renders_the_border_scene_in_thermal(
    thermal_volyn: SiteConfig,
) -> None:
    camera = thermal_volyn.camera("cam-1")
    source = build_frame_source(
        camera, thermal_volyn, clock=FakeClock(T0), health=ignore, start_time=T0
    )
    source.open()
    try:
        image = next(iter(source.frames())).image
    finally:
        source.close()
    assert image.shape == (720, 1280, 3)
    assert np.array_equal(image[..., 0], image[..., 2])  # grey: a thermal picture
    assert float(np.median(image)) < 100  # a cool background


def test_a_thermal_camera_detects_on_black_hot_pictures(thermal_volyn: SiteConfig) -> None:
    camera = thermal_volyn.camera("cam-1")
    assert isinstance(build_detector(camera, thermal_volyn), BlackHotDetector)
    pipeline = build_camera_pipeline(camera, thermal_volyn)
    assert isinstance(pipeline.detector, BlackHotDetector)
    visible = thermal_volyn.model_copy(
        update={"cameras": [camera.model_copy(update={"kind": "visible"})]}
    )
    assert not isinstance(build_detector(visible.cameras[0], visible), BlackHotDetector)


def test_a_thermal_camera_runs_its_crops_black_hot_at_the_crops_input_size(
    thermal_volyn: SiteConfig,
) -> None:
    """Thermal crops run at ``region_input_px`` like visible ones (the shipped NanoDet
    takes any size): the whole-frame detector keeps the model's 416."""
    camera = thermal_volyn.camera("cam-1")
    pipeline = build_camera_pipeline(camera, thermal_volyn)
    crop = pipeline.crop_detector
    assert isinstance(crop, BlackHotDetector)
    assert crop is not pipeline.detector
    assert crop.input_px == pipeline.settings.region_input_px == 256
    assert isinstance(pipeline.detector, BlackHotDetector)
    assert pipeline.detector.input_px == 416
