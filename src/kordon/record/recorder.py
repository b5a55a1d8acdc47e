"""``Recorder``: one camera's stream copied, packet by packet, into crash-safe segments.

Per segment: write (MPEG-TS, stream copy, no decoding) → flush + ``fsync`` file → ``fsync``
directory → database row → evidence sink. Segments are cut on keyframes once ``segment_s``
is reached; a stream without keyframes is cut at ``max_segment_s`` with a health event.
Wall times come from the injected clock at an anchor plus packet timestamp deltas
(:class:`~kordon.record.timeline.Timeline`); a timestamp discontinuity cuts the segment and
records a gap row, so segments never overlap.

Storage failures (ENOSPC, EIO, a read-only remount, a full database) never stop the
recorder: it drops the open segment, reports ``DEGRADED`` ("recording paused"), asks
``reclaim`` to free un-held footage when the disk is full, and retries with exponential
back-off on the injected clock until a segment can be written again; the outage becomes one
gap row. A closed segment whose row or ledger entry cannot be stored yet is kept and stored
at the next chance (the file is complete and synced; recovery adopts it after a crash).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import av.stream

from kordon.domain.errors import KordonError
from kordon.domain.event import Event, EventKind
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.record.errors import (
    InvalidRecordingInputError,
    SourceUnavailableError,
    StorageError,
    StorageFullError,
    StorageMountError,
)
from kordon.record.identity import ensure_storage_identity
from kordon.record.layout import check_camera_id, segment_rel_path
from kordon.record.live import LiveBuffer, LiveSnapshot
from kordon.record.packet_source import AvPacketSource, PacketSource, SourcePacket, spec_of
from kordon.record.recovery import RecoveryReport, recover_camera
from kordon.record.repository import RecordingRepository
from kordon.record.segment_writer import SegmentWriter
from kordon.record.sink import NullSegmentSink, SegmentSink
from kordon.record.timeline import Timeline
from kordon.record.types import GapReason, GapRecord, SegmentRecord
from kordon.video.source.clock import Clock

logger = logging.getLogger(__name__)

HealthCallback = Callable[[DeviceStatus], None]
AlarmCallback = Callable[[Event], None]
ReclaimCallback = Callable[[datetime], object]
"""Frees disk space (a retention disk-full sweep); called when a write meets ENOSPC."""


@dataclass(frozen=True, slots=True)
class RecorderSettings:
    segment_s: float = 10.0
    max_segment_s: float = 30.0
    """Forced cut when no keyframe arrives (and the longest wait for a first keyframe)."""
    max_jump_s: float = 5.0
    max_lag_s: float | None = 10.0
    """Re-anchor when packet times fall this far behind the clock; ``None``: never."""
    retry_s: float = 2.0
    """First wait before reconnecting to the source or retrying failed storage."""
    max_retry_s: float = 30.0
    """Cap of the doubling back-off."""
    stop_at_end: bool = False
    """Return from ``run()`` when the source ends (files, tests) instead of reconnecting."""

    def __post_init__(self) -> None:
        if not 0.1 <= self.segment_s <= self.max_segment_s:
            raise InvalidRecordingInputError(
                f"need 0.1 <= segment_s <= max_segment_s, got {self.segment_s}, "
                f"{self.max_segment_s}"
            )
        if self.max_jump_s <= 0 or self.retry_s <= 0 or self.max_retry_s < self.retry_s:
            raise InvalidRecordingInputError(
                "max_jump_s, retry_s must be > 0, max_retry_s >= retry_s"
            )


@dataclass(slots=True)
class RecorderStats:
    packets: int = 0
    segments: int = 0
    corrupt_packets: int = 0
    forced_cuts: int = 0
    discontinuities: int = 0
    storage_errors: int = 0
    dropped_packets: int = 0
    pending_rows: int = 0
    """Closed segments whose database row or ledger entry is still to be stored."""


@dataclass(slots=True)
class _Unsaved:
    record: SegmentRecord
    row_saved: bool = False


@dataclass(slots=True)
class _Open:
    writer: SegmentWriter
    path_rel: str
    start: datetime
    last_wall: datetime
    last_duration_s: float


class Recorder:
    """Records one camera. ``start()`` checks storage and recovers; ``run()`` loops until
    ``stop()`` (call it from another thread) or, with ``stop_at_end``, the source's end."""

    def __init__(
        self,
        *,
        camera_id: str,
        source: PacketSource | str,
        data_dir: Path,
        repository: RecordingRepository,
        clock: Clock,
        health: HealthCallback,
        sink: SegmentSink | None = None,
        alarm: AlarmCallback | None = None,
        settings: RecorderSettings | None = None,
        on_segment_open: Callable[[str], None] | None = None,
        reclaim: ReclaimCallback | None = None,
    ) -> None:
        self.camera_id = check_camera_id(camera_id)
        self._source = AvPacketSource(source) if isinstance(source, str) else source
        self.data_dir = Path(data_dir)
        self._repository = repository
        self._clock = clock
        self._health = health
        self._sink = sink or NullSegmentSink()
        self._alarm = alarm
        self.settings = settings or RecorderSettings()
        self._on_open = on_segment_open
        self._reclaim = reclaim
        self._stop = threading.Event()
        self._live = LiveBuffer()
        self._timeline = Timeline(
            max_jump_s=self.settings.max_jump_s, max_lag_s=self.settings.max_lag_s
        )
        self._template: av.stream.Stream | None = None
        self._open: _Open | None = None
        self._last_end: datetime | None = None
        self._waiting_since: datetime | None = None
        self._paused_until = 0.0
        self._storage_degraded = False
        self._storage_backoff_s = self.settings.retry_s
        self._outage_start: datetime | None = None
        self._last_wall: datetime | None = None
        self._unsaved: list[_Unsaved] = []
        self._unsaved_gaps: list[GapRecord] = []
        self._unsaved_retry_at = 0.0
        self._started = False
        self._condition = DeviceStatus(self.device_id, clock.now(), DeviceState.STARTING, "")
        self.stats = RecorderStats()

    @property
    def device_id(self) -> str:
        return f"{self.camera_id}/recorder"

    @property
    def condition(self) -> DeviceStatus:
        """The lasting state: recording, paused (storage), waiting (source), stopped.

        Passing remarks (a corrupt packet, a forced cut) are reported to ``health`` but do
        not change it; ``/healthz`` shows it.
        """
        return self._condition

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> RecoveryReport:
        """Check the storage identity (mount) and recover files and rows after a crash."""
        now = self._clock.now()
        try:
            ensure_storage_identity(self.data_dir, self._repository, now)
        except StorageMountError as exc:
            self._report(DeviceState.OFFLINE, str(exc), lasting=True)
            self._raise_alarm(str(exc), reason="storage_mount")
            raise
        report = recover_camera(self.data_dir, self.camera_id, self._repository, self._sink, now)
        stored = self._repository.segments(self.camera_id)
        if stored:
            self._last_end = max(s.end for s in stored)
            self._timeline.reset(floor=self._last_end)
        self._started = True
        return report

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Record until ``stop()``; reconnects with back-off after outages."""
        if not self._started:
            self.start()
        retry_s = self.settings.retry_s
        self._report(DeviceState.STARTING, "recorder starting", lasting=True)
        while not self._stop.is_set():
            try:
                self._template = self._source.open()
                self._live.begin(spec_of(self._template))
                self._timeline.reset()
                if not self._storage_degraded:
                    self._report(DeviceState.ONLINE, "recording", lasting=True)
                for packet in self._source.packets():
                    if self._stop.is_set():
                        break
                    self.handle(packet)
                    retry_s = self.settings.retry_s
            except SourceUnavailableError as exc:
                logger.warning("camera %s: %s", self.camera_id, exc)
                self._report(DeviceState.DEGRADED, f"source unavailable: {exc}", lasting=True)
            finally:
                self._close_segment(self._clock.now())
                self._source.close()
            if self.settings.stop_at_end or self._stop.is_set():
                break
            self._stop.wait(retry_s)
            retry_s = min(retry_s * 2.0, self.settings.max_retry_s)
        self._save_unsaved()
        if self._storage_degraded and self._outage_start is not None:
            end = self._last_wall or self._outage_start
            self._add_gap(self._outage_start, end, GapReason.STORAGE_ERROR, "recorder stopped")
        self._report(DeviceState.STOPPED, "recorder stopped", lasting=True)

    def live_packets(self) -> LiveSnapshot:
        """The open segment's packets with their wall times (thread-safe)."""
        return self._live.snapshot()

    # --- hot path -----------------------------------------------------------------------
    def handle(self, packet: SourcePacket) -> None:
        """Place one packet on the timeline and write it to the right segment."""
        self.stats.packets += 1
        ts = packet.dts if packet.dts is not None else packet.pts
        if packet.is_corrupt or ts is None or not packet.data:
            self.stats.corrupt_packets += 1
            if self.stats.corrupt_packets in (1, 10, 100) or self.stats.corrupt_packets % 1000 == 0:
                logger.warning(
                    "camera %s: %d corrupt packet(s) skipped",
                    self.camera_id,
                    self.stats.corrupt_packets,
                )
                self._report(
                    DeviceState.DEGRADED, f"{self.stats.corrupt_packets} corrupt packets skipped"
                )
            return
        now = self._clock.now()
        placement = self._timeline.place(float(ts * packet.time_base), now)
        wall = placement.wall
        self._last_wall = wall
        if placement.discontinuity is not None:
            self.stats.discontinuities += 1
            self._close_segment(wall)
            previous = self._last_end or wall
            self._add_gap(previous, wall, placement.discontinuity, f"at dts {ts}")
        monotonic = self._clock.monotonic()
        if (self._unsaved or self._unsaved_gaps) and monotonic >= self._unsaved_retry_at:
            self._save_unsaved()
        if monotonic < self._paused_until:
            self.stats.dropped_packets += 1
            return
        forced = False
        if self._open is not None:
            age_s = (wall - self._open.start).total_seconds()
            if packet.is_keyframe and age_s >= self.settings.segment_s:
                self._close_segment(wall)
            elif age_s >= self.settings.max_segment_s:
                self.stats.forced_cuts += 1
                message = (
                    f"no keyframe for {age_s:.1f} s: forced a segment cut "
                    "(set the camera's GOP/I-frame interval shorter than the segment length)"
                )
                logger.warning("camera %s: %s", self.camera_id, message)
                self._report(DeviceState.DEGRADED, message)
                self._close_segment(wall)
                forced = True
        if self._open is None and not forced and not self._may_open(packet, wall):
            self.stats.dropped_packets += 1
            return
        try:
            if self._open is None:
                self._open_segment(wall)
            assert self._open is not None
            self._open.writer.write(packet)
        except StorageError as exc:
            self._storage_failed(exc, wall)
            return
        self._open.last_wall = wall
        self._open.last_duration_s = (
            float(packet.duration * packet.time_base) or self._timeline.frame_s
        )
        self._live.append(packet, wall)

    def _may_open(self, packet: SourcePacket, wall: datetime) -> bool:
        if packet.is_keyframe:
            self._waiting_since = None
            return True
        if self._waiting_since is None:
            self._waiting_since = wall
        waited_s = (wall - self._waiting_since).total_seconds()
        if waited_s >= self.settings.max_segment_s:
            message = f"no keyframe for {waited_s:.1f} s: recording without one"
            logger.warning("camera %s: %s", self.camera_id, message)
            self._report(DeviceState.DEGRADED, message)
            self._waiting_since = None
            return True
        return False

    def _open_segment(self, wall: datetime) -> None:
        if self._template is None:
            raise StorageError("no stream template: the source is not open")
        if self._last_end is not None and wall < self._last_end:
            wall = self._last_end
        path_rel = segment_rel_path(self.camera_id, wall)
        writer = SegmentWriter(self.data_dir / path_rel, self._template)
        if self._on_open is not None:
            self._on_open(path_rel)
        writer.open()
        self._open = _Open(writer, path_rel, wall, wall, 0.0)
        self._live.begin(spec_of(self._template))

    def _close_segment(self, next_wall: datetime) -> None:
        """Close the open segment, ending at ``next_wall`` when contiguous with it."""
        current = self._open
        if current is None:
            return
        self._open = None
        natural_end = current.last_wall + timedelta(seconds=current.last_duration_s)
        end = (
            min(max(next_wall, current.last_wall), natural_end)
            if next_wall >= current.last_wall
            else natural_end
        )
        end = max(end, current.start)
        try:
            written = current.writer.close()
        except StorageError as exc:
            current.writer.abort()
            self._storage_failed(exc, end)
            return
        if self._storage_degraded:  # a whole segment is durable again: not just a buffered write
            self._storage_resumed(current.start)
        record = SegmentRecord(
            camera_id=self.camera_id,
            path_rel=current.path_rel,
            start=current.start,
            end=end,
            size_bytes=written.size_bytes,
            sha256=written.sha256,
            packet_count=written.packet_count,
            has_keyframe=written.has_keyframe,
        )
        self._last_end = end
        self.stats.segments += 1
        self._live.clear()
        self._unsaved.append(_Unsaved(record))
        self._save_unsaved()

    def _save_unsaved(self) -> None:
        """Store closed segments' rows, then their ledger entries, oldest first.

        Each step is idempotent (a stored path keeps its row), so a half-done one is simply
        repeated; what still fails waits for the next retry.
        """
        while self._unsaved_gaps:
            try:
                self._repository.add_gap(self._unsaved_gaps[0])
            except (KordonError, OSError) as exc:
                self._unsaved_retry_at = self._clock.monotonic() + self.settings.retry_s
                logger.warning("camera %s: gap row not stored yet: %s", self.camera_id, exc)
                break
            self._unsaved_gaps.pop(0)
        while self._unsaved:
            item = self._unsaved[0]
            try:
                if not item.row_saved:
                    self._repository.add_segment(item.record)
                    item.row_saved = True
                self._sink.record_segment(
                    self.camera_id,
                    item.record.path_rel,
                    sha256=item.record.sha256,
                    start=item.record.start,
                    end=item.record.end,
                    time=self._clock.now(),
                )
            except (KordonError, OSError) as exc:
                self.stats.pending_rows = len(self._unsaved)
                self._unsaved_retry_at = self._clock.monotonic() + self.settings.retry_s
                logger.warning(
                    "camera %s: segment %s kept, its %s not stored yet (%d waiting): %s",
                    self.camera_id,
                    item.record.path_rel,
                    "ledger entry" if item.row_saved else "row",
                    len(self._unsaved),
                    exc,
                )
                return
            self._unsaved.pop(0)
        self.stats.pending_rows = 0

    def _storage_failed(self, exc: StorageError, wall: datetime) -> None:
        """Drop the open segment, pause writing and retry later with a doubling back-off."""
        self.stats.storage_errors += 1
        if self._open is not None:
            self._open.writer.abort()
            self._open = None
        self._live.clear()
        if not self._storage_degraded:
            self._storage_degraded = True
            self._outage_start = self._last_end if self._last_end is not None else wall
            self._storage_backoff_s = self.settings.retry_s
            logger.error("camera %s: recording paused: %s", self.camera_id, exc)
            self._report(DeviceState.DEGRADED, f"recording paused: {exc}", lasting=True)
            reason = "disk_full" if isinstance(exc, StorageFullError) else "storage_error"
            self._raise_alarm(str(exc), reason=reason)
        else:
            self._storage_backoff_s = min(self._storage_backoff_s * 2.0, self.settings.max_retry_s)
            logger.warning(
                "camera %s: storage still failing, next try in %.0f s: %s",
                self.camera_id,
                self._storage_backoff_s,
                exc,
            )
        if isinstance(exc, StorageFullError) and self._reclaim is not None:
            try:
                self._reclaim(self._clock.now())
            except Exception:  # a failed sweep must not stop recording; retried next time
                logger.exception("camera %s: freeing disk space failed", self.camera_id)
        self._paused_until = self._clock.monotonic() + self._storage_backoff_s

    def _storage_resumed(self, start: datetime) -> None:
        self._storage_degraded = False
        self._storage_backoff_s = self.settings.retry_s
        outage = self._outage_start
        self._outage_start = None
        if outage is not None:
            self._add_gap(
                outage, max(outage, start), GapReason.STORAGE_ERROR, "storage write failures"
            )
        logger.info("camera %s: storage writable again; recording resumed", self.camera_id)
        self._report(DeviceState.ONLINE, "recording resumed", lasting=True)

    # --- reporting ----------------------------------------------------------------------
    def _add_gap(self, start: datetime, end: datetime, reason: GapReason, detail: str) -> None:
        """Store a gap row; one the store cannot take now waits with the unsaved segments."""
        self._unsaved_gaps.append(GapRecord(self.camera_id, start, max(start, end), reason, detail))
        self._save_unsaved()

    def _report(self, state: DeviceState, detail: str, *, lasting: bool = False) -> None:
        metrics = {
            "packets": float(self.stats.packets),
            "segments": float(self.stats.segments),
            "corrupt_packets": float(self.stats.corrupt_packets),
            "forced_cuts": float(self.stats.forced_cuts),
            "storage_errors": float(self.stats.storage_errors),
            "dropped_packets": float(self.stats.dropped_packets),
            "pending_rows": float(self.stats.pending_rows),
        }
        status = DeviceStatus(self.device_id, self._clock.now(), state, detail, metrics)
        if lasting:
            self._condition = status
        try:
            self._health(status)
        except Exception:  # a failing health sink (a full database) must not stop recording
            logger.exception("camera %s: health status not delivered", self.camera_id)

    def _raise_alarm(self, detail: str, *, reason: str) -> None:
        if self._alarm is None:
            return
        event = Event(
            kind=EventKind.STORAGE_ALARM,
            time=self._clock.now(),
            source_id=self.device_id,
            attributes={"reason": reason, "detail": detail[:500]},
        )
        try:
            self._alarm(event)
        except Exception:  # the alarm's store may sit on the same full disk
            logger.exception("camera %s: storage alarm %s not delivered", self.camera_id, event.id)
