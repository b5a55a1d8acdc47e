"""``LiveFrames`` with real frames, real JPEG files and a real ledger.

Privacy masks must hide what they cover in every snapshot (live and event, with or without
the overlay); event snapshots land once under ``<dir>/<UTC date>/<event id>.jpg`` and in the
ledger with their hash.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from kordon.config.image_rules import MaskConfig
from kordon.domain.event import Event, EventKind
from kordon.domain.tracks import ImageTracks
from kordon.evidence.entry import EntryKind
from kordon.services.evidence_log import EvidenceLog
from kordon.services.live_frames import CameraOverlay, LiveFrames
from kordon.video.source.clock import FakeClock
from tests.services.ledger_support import running_ledger

T0 = datetime(2025, 3, 1, 23, 59, 59, tzinfo=UTC)
H, W = 240, 320
MASK = MaskConfig(purpose="privacy", polygon=[(0, 0), (100, 0), (100, 100), (0, 100)])
"""Hides the top-left 100 x 100 px."""


def _frame() -> npt.NDArray[np.uint8]:
    """Fine vertical stripes: detail a blur removes, easy to tell from a flat area."""
    image = np.zeros((H, W, 3), np.uint8)
    image[:, ::2] = 255
    return image


def _decode(data: bytes) -> npt.NDArray[np.uint8]:
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert decoded is not None, "not a JPEG"
    return np.asarray(decoded, dtype=np.uint8)


def _detail(image: npt.NDArray[np.uint8], x0: int, y0: int, size: int = 60) -> float:
    """Mean absolute difference between neighbouring columns in a square: stripes ~255."""
    patch = image[y0 : y0 + size, x0 : x0 + size].astype(np.int16)
    return float(np.abs(np.diff(patch, axis=1)).mean())


def _one_track() -> ImageTracks:
    return ImageTracks(
        tracker_id=np.array([7], np.int64),
        xyxy_px=np.array([[150.0, 120.0, 250.0, 220.0]], np.float32),
        confidence=np.array([0.9], np.float32),
        class_id=np.array([0], np.int32),
        confirmed=np.array([True]),
        labels=("person",),
    )


def _frames(tmp_path: Path, evidence: EvidenceLog | None = None) -> LiveFrames:
    overlays = {"cam-1": CameraOverlay(privacy_masks=(MASK,))}
    return LiveFrames(tmp_path / "snapshots", overlays, evidence=evidence)


def test_no_frame_yet_means_no_snapshot(tmp_path: Path) -> None:
    frames = _frames(tmp_path)
    assert frames.latest_jpeg("cam-1", overlay=False) is None
    frames.update("cam-2", _frame(), ImageTracks.empty())
    assert frames.latest_jpeg("cam-1", overlay=False) is None


@pytest.mark.parametrize("overlay", [False, True])
def test_the_privacy_mask_hides_its_area_in_every_live_snapshot(
    tmp_path: Path, overlay: bool
) -> None:
    frames = _frames(tmp_path)
    frames.update("cam-1", _frame(), _one_track())
    image = _decode(frames.latest_jpeg("cam-1", overlay=overlay) or b"")
    assert image.shape == (H, W, 3)
    assert _detail(image, 20, 20) < 20.0  # masked: the stripes are gone
    assert _detail(image, 20, 140) > 100.0  # outside the mask: still there


def test_the_overlay_draws_the_tracks_and_only_on_request(tmp_path: Path) -> None:
    frames = _frames(tmp_path)
    frames.update("cam-1", np.full((H, W, 3), 60, np.uint8), _one_track())
    plain = _decode(frames.latest_jpeg("cam-1", overlay=False) or b"").astype(np.int16)
    drawn = _decode(frames.latest_jpeg("cam-1", overlay=True) or b"").astype(np.int16)
    changed = np.abs(drawn - plain).max(axis=2) > 40
    ys, xs = np.nonzero(changed)
    assert len(xs) > 100  # a box was drawn ...
    assert xs.min() >= 140  # ... around the track (150..250 x 120..220), not elsewhere
    assert ys.min() >= 100
    assert np.abs(plain - 60).max() < 8  # without the overlay: the frame as it was


def test_the_latest_frame_replaces_the_previous_one(tmp_path: Path) -> None:
    frames = _frames(tmp_path)
    frames.update("cam-1", np.full((H, W, 3), 30, np.uint8), ImageTracks.empty())
    frames.update("cam-1", np.full((H, W, 3), 200, np.uint8), ImageTracks.empty())
    image = _decode(frames.latest_jpeg("cam-1", overlay=False) or b"")
    assert abs(float(image[200, 300].mean()) - 200.0) < 8.0


def test_event_snapshots_are_written_once_per_event_and_recorded_in_the_ledger(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    events = [
        Event(id="ev-1", kind=EventKind.LINE_CROSSING, time=T0, source_id="cam-1"),
        Event(
            id="ev-2",
            kind=EventKind.LINE_CROSSING,
            time=T0 + timedelta(seconds=2),  # the next UTC day
            source_id="cam-1",
        ),
    ]
    with running_ledger(data_dir, FakeClock(T0)) as ledger:
        frames = LiveFrames(
            data_dir / "snapshots",
            {"cam-1": CameraOverlay(privacy_masks=(MASK,))},
            evidence=EvidenceLog(ledger),
        )
        frames.save_event_snapshots("cam-1", events)  # no frame yet: nothing written
        assert not (data_dir / "snapshots").exists()
        frames.update("cam-1", _frame(), _one_track())
        frames.save_event_snapshots("cam-1", events)
        entries = [ledger.ledger.entry(i) for i in range(ledger.ledger.size)]

    first = data_dir / "snapshots" / "2025-03-01" / "ev-1.jpg"
    second = data_dir / "snapshots" / "2025-03-02" / "ev-2.jpg"
    assert sorted((data_dir / "snapshots").rglob("*.jpg")) == [first, second]
    assert frames.event_jpeg("ev-1") == first.read_bytes()
    assert frames.event_jpeg("ev-2") == second.read_bytes()
    assert _detail(_decode(first.read_bytes()), 20, 20) < 20.0  # masked in evidence too
    snapshots = [e for e in entries if e.kind is EntryKind.SNAPSHOT]
    assert [e.payload["event_id"] for e in snapshots] == ["ev-1", "ev-2"]
    assert [e.sha256 for e in snapshots] == [
        hashlib.sha256(first.read_bytes()).hexdigest(),
        hashlib.sha256(second.read_bytes()).hexdigest(),
    ]
    assert [e.time for e in snapshots] == [events[0].time, events[1].time]


@pytest.mark.parametrize("event_id", ["unknown", "../../etc/passwd", "a/b", "", "x" * 65])
def test_event_snapshots_of_unknown_or_malformed_ids_are_none(
    tmp_path: Path, event_id: str
) -> None:
    frames = _frames(tmp_path)
    frames.update("cam-1", _frame(), ImageTracks.empty())
    frames.save_event_snapshots(
        "cam-1", [Event(id="ev-1", kind=EventKind.LINE_CROSSING, time=T0, source_id="cam-1")]
    )
    assert frames.event_jpeg("ev-1") is not None
    assert frames.event_jpeg(event_id) is None


def test_a_snapshot_that_cannot_be_written_does_not_stop_the_camera(tmp_path: Path) -> None:
    blocked = tmp_path / "snapshots"
    blocked.write_bytes(b"a file where the directory should be")
    frames = LiveFrames(blocked, {})
    frames.update("cam-1", _frame(), ImageTracks.empty())
    frames.save_event_snapshots(
        "cam-1", [Event(id="ev-1", kind=EventKind.LINE_CROSSING, time=T0, source_id="cam-1")]
    )  # logged, not raised
    assert frames.event_jpeg("ev-1") is None
    assert blocked.read_bytes() == b"a file where the directory should be"
