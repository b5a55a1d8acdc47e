"""Playback by time: what is recorded of a camera, and any range of it as one MP4.

``recorded_spans`` merges a camera's segments into the continuous stretches a timeline
draws. ``PlaybackFiles`` assembles a time range into an MP4 by stream copy (the clip code:
every segment re-hashed against its row and ledger entry first). A range that lies wholly
in closed segments is kept under ``<data_dir>/playback/`` (named by camera and range, so
the same request is served again without work; the oldest files go beyond ``keep_files``);
a range reaching into the open segment is assembled afresh each time and marked
``temporary`` (the caller deletes it after sending).
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from kordon.record.clips import RecordedSha256, request_clip
from kordon.record.errors import InvalidRecordingInputError
from kordon.record.live import LiveSnapshot
from kordon.record.repository import RecordingRepository
from kordon.record.types import SegmentRecord, _check_interval

PLAYBACK_DIR = "playback"
MAX_RANGE_S = 15 * 60.0
JOIN_GAP_S = 1.5
"""Segments closer than this join into one span (cuts between segments are not gaps)."""


@dataclass(frozen=True, slots=True)
class RecordedSpan:
    start: datetime
    end: datetime
    segments: int


def recorded_spans(
    segments: Sequence[SegmentRecord], *, join_gap_s: float = JOIN_GAP_S
) -> list[RecordedSpan]:
    """Continuous stretches of footage (``segments`` oldest first, as the repository lists)."""
    spans: list[RecordedSpan] = []
    for segment in sorted(segments, key=lambda s: s.start):
        last = spans[-1] if spans else None
        if last is not None and segment.start <= last.end + timedelta(seconds=join_gap_s):
            spans[-1] = RecordedSpan(last.start, max(last.end, segment.end), last.segments + 1)
        else:
            spans.append(RecordedSpan(segment.start, segment.end, 1))
    return spans


@dataclass(frozen=True, slots=True)
class PlaybackFile:
    path: Path
    camera_id: str
    start: datetime
    """The first frame's time (the keyframe at or before the requested start)."""
    end: datetime
    temporary: bool
    masked: bool = False
    """A privacy-masked copy (re-encoded), not the recording's own bytes."""


def check_range(start: datetime, end: datetime, *, max_range_s: float = MAX_RANGE_S) -> None:
    """``InvalidRecordingInputError`` unless ``start < end`` (UTC) and the range is short enough."""
    start, end = _check_interval(start, end)
    if end == start:
        raise InvalidRecordingInputError("the playback range is empty")
    if (end - start).total_seconds() > max_range_s:
        raise InvalidRecordingInputError(
            f"the playback range is {(end - start).total_seconds():.0f} s; at most "
            f"{max_range_s:.0f} s per request"
        )


class PlaybackFiles:
    """Thread-safe; one per node."""

    def __init__(
        self,
        *,
        data_dir: Path,
        repository: Callable[[], RecordingRepository],
        live: Callable[[str], LiveSnapshot | None],
        recorded_sha256: RecordedSha256 | None = None,
        keep_files: int = 50,
        max_range_s: float = MAX_RANGE_S,
    ) -> None:
        self._data_dir = Path(data_dir)
        self._dir = self._data_dir / PLAYBACK_DIR
        self._repository = repository
        self._live = live
        self._recorded_sha256 = recorded_sha256
        self._keep_files = keep_files
        self.max_range_s = max_range_s
        self._lock = threading.Lock()
        self._made: dict[str, PlaybackFile] = {}

    def segments(self, camera_id: str, start: datetime, end: datetime) -> list[SegmentRecord]:
        return self._repository().segments(camera_id, start=start, end=end)

    def open(self, camera_id: str, start: datetime, end: datetime) -> PlaybackFile:
        """The MP4 of ``camera_id``'s footage in ``[start, end)``.

        ``InvalidRecordingInputError`` for a bad range; ``ClipError`` (its subclass
        ``TamperedSegmentError`` for a segment whose bytes changed) when none can be made.
        """
        check_range(start, end, max_range_s=self.max_range_s)
        repository = self._repository()
        closed = repository.segments(camera_id, start=start, end=end)
        complete = bool(closed) and max(s.end for s in closed) >= end
        key = f"{camera_id}|{start.isoformat()}|{end.isoformat()}"
        name = hashlib.sha256(key.encode()).hexdigest()[:32]
        if not complete:
            name = f"tmp-{uuid.uuid4().hex}"
        path = self._dir / f"{name}.mp4"
        with self._lock:
            known = self._made.get(name)
            if known is not None and path.is_file():
                return known
            self._dir.mkdir(parents=True, exist_ok=True)
            info = request_clip(
                camera_id,
                start,
                end,
                path,
                data_dir=self._data_dir,
                repository=repository,
                live=None if complete else self._live(camera_id),
                recorded_sha256=self._recorded_sha256,
            )
            made = PlaybackFile(path, camera_id, info.start, info.end, temporary=not complete)
            if complete:
                self._made[name] = made
                self._prune()
        return made

    def _prune(self) -> None:
        files = sorted(
            (p for p in self._dir.glob("*.mp4") if not p.name.startswith("tmp-")),
            key=lambda p: p.stat().st_mtime,
        )
        for path in files[: max(0, len(files) - self._keep_files)]:
            path.unlink(missing_ok=True)
            self._made.pop(path.stem, None)
