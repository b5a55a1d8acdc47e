"""Detector backends by name: an explicit table, with the valid names in every miss."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kordon.video.detectors.base import Detector
from kordon.video.detectors.errors import DetectorError
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.detectors.ssdlite import SsdLitePersonDetector
from kordon.video.detectors.yolo import YoloDetector

DetectorFactory = Callable[..., Detector]

DETECTORS: Mapping[str, DetectorFactory] = {
    "nanodet": NanoDetDetector,
    "yolo": YoloDetector,
    "ssdlite_person": SsdLitePersonDetector,
}
"""Built-in backends. The motion-only detector lives in ``kordon.video.motion``."""


def build_detector(
    name: str, registry: Mapping[str, DetectorFactory] | None = None, **params: Any
) -> Detector:
    """Construct (cheaply, without loading) the detector registered as ``name``.

    ``registry`` replaces the built-in table (e.g. to add plugins). Unknown names and
    parameters the backend does not take raise ``DetectorError``.
    """
    table = DETECTORS if registry is None else registry
    factory = table.get(name)
    if factory is None:
        raise DetectorError(f"unknown detector {name!r}; valid names: {sorted(table)}")
    try:
        return factory(**params)
    except TypeError as exc:
        raise DetectorError(f"detector {name!r}: bad parameters {sorted(params)}: {exc}") from exc
