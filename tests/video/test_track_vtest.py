"""NanoDet + ByteTracker over the first 120 frames of vtest.avi (real footage)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from kordon.domain.detections import Detections
from kordon.domain.tracks import ImageTracks
from kordon.video.detectors.nanodet import NanoDetDetector
from kordon.video.tracking.bytetrack import ByteTracker

FRAMES = 120
FPS = 10.0


@pytest.fixture(scope="module")
def vtest_detections(vtest_avi: Path) -> list[Detections]:
    detector = NanoDetDetector(classes=["person"], score_threshold=0.1, threads=2)
    detector.load()
    capture = cv2.VideoCapture(str(vtest_avi))
    found = []
    try:
        for _ in range(FRAMES):
            ok, frame = capture.read()
            assert ok
            found.append(detector.detect(np.asarray(frame, np.uint8)))
    finally:
        capture.release()
    return found


def track_all(detections: list[Detections]) -> list[ImageTracks]:
    tracker = ByteTracker()
    return [tracker.update(d, i / FPS) for i, d in enumerate(detections)]


@pytest.mark.shared
@pytest.mark.slow
def test_vtest_tracks_are_deterministic_and_plentiful(vtest_detections: list[Detections]) -> None:
    first = track_all(vtest_detections)
    second = track_all(vtest_detections)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.tracker_id, b.tracker_id)
        np.testing.assert_array_equal(a.xyxy_px, b.xyxy_px)
        np.testing.assert_array_equal(a.confirmed, b.confirmed)
    confirmed_ids = {int(i) for t in first for i in t.tracker_id[t.confirmed]}
    assert len(confirmed_ids) >= 5
    # about 8 people are in view: far fewer confirmed ids than frames means ids are stable
    assert len(confirmed_ids) <= 40
    assert max(int(t.confirmed.sum()) for t in first) >= 5
