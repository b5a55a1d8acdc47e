"""Clips around each crossing: ``ClipService.crossing_clips`` on real recorded segments.

Two cameras record the same 12-s stream (10 fps, a keyframe every 2 s, 4-s segments);
each frame shows its own number (tens in the top half, units in the bottom half), so a
frame decoded from a clip says when it was recorded: frame ``i`` is sent at
``T0 + 0.1 * (i + 1)`` s. The clips are assembled into MP4 and decoded again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import av
import numpy as np
import pytest

from kordon.api.providers import CrossingClip
from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.incident import Incident, IncidentStatus, IncidentStep
from kordon.evidence.entry import EntryKind
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.services.clips import ClipService, ClipUnavailableError
from kordon.services.evidence_log import EvidenceLog
from kordon.services.ledger_service import LedgerService
from kordon.store import NotFoundError, Store
from kordon.video.source.clock import FakeClock
from tests.record.media import T0, FakeCamera, HealthLog, StepClock
from tests.services.ledger_support import running_ledger

PRE_S, POST_S = 2.5, 1.5
FPS = 10
GOP = 20
SECONDS = 12
LEVEL = 20
"""Grey step per digit of the frame number."""


def _frame_at(i: int) -> datetime:
    """When the fake camera sent frame ``i`` (it steps its clock before each packet)."""
    return T0 + timedelta(seconds=0.1 * (i + 1))


@pytest.fixture(scope="module")
def numbered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 s of H.264, 10 fps, a keyframe every 2 s; each frame shows its number."""
    path = tmp_path_factory.mktemp("media") / "numbered.ts"
    with av.open(str(path), "w", format="mpegts") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        stream.gop_size = GOP
        stream.codec_context.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "bf": "0",
            "sc_threshold": "0",
            "keyint_min": str(GOP),
            "qp": "4",
        }
        for i in range(SECONDS * FPS):
            image = np.zeros((120, 160, 3), np.uint8)
            image[:60] = LEVEL * (i // 10 + 1)
            image[60:] = LEVEL * (i % 10 + 1)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _frames(path: Path) -> list[tuple[float, int]]:
    """``(seconds into the clip, frame number)`` of every frame of an MP4."""
    found: list[tuple[float, int]] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            grey = frame.to_ndarray(format="gray")
            tens = round(float(grey[10:50].mean()) / LEVEL) - 1
            units = round(float(grey[70:110].mean()) / LEVEL) - 1
            assert frame.time is not None
            found.append((float(frame.time), tens * 10 + units))
    return found


@dataclass
class Site:
    data_dir: Path
    store: Store
    ledger: LedgerService
    service: ClipService

    def incident(self, incident_id: str, *events: Event) -> None:
        for event in events:
            self.store.events.add(event)
        opened = IncidentStep(IncidentStatus.OPEN, actor="correlator", time=events[0].time)
        self.store.incidents.create(
            Incident(
                id=incident_id,
                title=incident_id,
                opened_at=events[0].time,
                priority=2,
                event_ids=tuple(e.id for e in events),
                history=(opened,),
            ),
            time=events[0].time,
        )

    def clip_entries(self) -> list[dict[str, object]]:
        ledger = self.ledger.ledger
        found = [ledger.entry(i) for i in range(ledger.size)]
        return [dict(e.payload) for e in found if e.kind is EntryKind.CLIP]


@pytest.fixture
def site(store: Store, tmp_path: Path, numbered: Path) -> Iterator[Site]:
    data_dir = tmp_path / "data"
    repository = RecordingRepository.on_sessions(store.sessions)
    now = T0 + timedelta(hours=1)
    with running_ledger(data_dir, FakeClock(now)) as ledger:
        evidence = EvidenceLog(ledger)
        for camera_id in ("cam-1", "cam-2"):
            camera_clock = StepClock()
            Recorder(
                camera_id=camera_id,
                source=FakeCamera(numbered, camera_clock),
                data_dir=data_dir,
                repository=repository,
                clock=camera_clock,
                health=HealthLog(),
                sink=evidence,
                settings=RecorderSettings(
                    segment_s=4.0, max_segment_s=8.0, max_lag_s=None, stop_at_end=True
                ),
            ).run()
        assert len(repository.segments("cam-1")) == 3
        service = ClipService(
            store=lambda: store,
            repository=lambda: repository,
            data_dir=data_dir,
            roll_s={"cam-1": (PRE_S, POST_S), "cam-2": (PRE_S, POST_S)},
            live=lambda _camera: None,
            clock=lambda: now,
            evidence=evidence,
        )
        yield Site(data_dir, store, ledger, service)


def _event(
    event_id: str,
    at_s: float,
    kind: EventKind = EventKind.BORDER_CROSSING,
    direction: Direction | None = None,
    *,
    source: str = "cam-1",
    sensors: str | None = None,
) -> Event:
    return Event(
        id=event_id,
        kind=kind,
        time=T0 + timedelta(seconds=at_s),
        source_id=source,
        class_name="person",
        direction=direction,
        attributes={} if sensors is None else {"sensors": sensors},
    )


def _one(clips: list[CrossingClip], event_id: str, camera_id: str) -> CrossingClip:
    [found] = [c for c in clips if c.event_id == event_id and c.clip.camera_id == camera_id]
    return found


def test_a_crossing_clip_spans_pre_roll_before_to_post_roll_after_and_marks_the_crossing(
    site: Site,
) -> None:
    # frame 54 is sent at 5.5 s; the window is [3.0, 7.0]; keyframes are frames 0, 20, 40,
    # 60 (sent at 0.1, 2.1, 4.1, 6.1 s), so the file starts at frame 20 (2.1 s).
    crossing_at = _frame_at(54)
    site.incident(
        "inc-1",
        _event("ev-0", 0.6, EventKind.BORDER_APPROACH),
        _event("ev-1", (crossing_at - T0).total_seconds(), direction=Direction.INBOUND),
    )
    [found] = site.service.crossing_clips("inc-1")
    assert (found.event_id, found.event_kind, found.event_direction) == (
        "ev-1",
        EventKind.BORDER_CROSSING,
        Direction.INBOUND,
    )
    assert found.event_time == crossing_at
    assert found.clip.start == _frame_at(20)  # the keyframe at or before crossing - PRE_S
    assert found.clip.end == crossing_at + timedelta(seconds=POST_S)
    assert found.offset_s == pytest.approx(3.4)

    frames = _frames(site.service.open_clip(found.clip.id))
    # The clip holds every frame of [crossing - PRE_S, crossing + POST_S), from its keyframe.
    assert frames[0] == (0.0, 20)
    assert [n for _, n in frames] == list(range(20, 69))
    assert _frame_at(frames[-1][1]) >= found.clip.end - timedelta(seconds=1 / FPS)
    # The listed offset is the crossing frame in the file.
    [(_, shown)] = [(t, n) for t, n in frames if abs(t - found.offset_s) < 0.5 / FPS]
    assert shown == 54
    # Opening it did not move its start: the listing already said where the file starts.
    assert site.service.clip_info(found.clip.id) == found.clip


def test_each_crossing_gets_a_clip_per_camera_and_the_most_severe_is_the_default(
    site: Site,
) -> None:
    site.incident(
        "inc-1",
        _event("ev-out", 3.0, direction=Direction.OUTBOUND),
        # a fused site track: cam-2 named as its source, cam-1 behind it as well
        _event("ev-in", 6.0, direction=Direction.INBOUND, source="cam-2", sensors="cam-1,cam-2"),
        _event("ev-line", 8.0, EventKind.LINE_CROSSING, Direction.IN),
    )
    clips = site.service.crossing_clips("inc-1")
    listed = [(c.event_id, c.clip.camera_id) for c in clips]
    # earliest crossing first; for each, its own camera first
    assert listed == [
        ("ev-out", "cam-1"),
        ("ev-in", "cam-2"),
        ("ev-in", "cam-1"),
        ("ev-line", "cam-1"),
    ]
    # the inbound border crossing outranks the outbound one and the image line
    assert [(c.event_id, c.clip.camera_id) for c in clips if c.default] == [("ev-in", "cam-2")]
    for clip in clips:
        nominal = clip.event_time - timedelta(seconds=PRE_S)
        assert nominal - timedelta(seconds=GOP / FPS) < clip.clip.start <= nominal
        assert clip.clip.end == clip.event_time + timedelta(seconds=POST_S)
    # the whole-incident clips are still there, one per camera, from the first to the last
    whole = site.service.clips_for_incident("inc-1")
    assert [(c.camera_id, c.end) for c in whole] == [
        ("cam-1", T0 + timedelta(seconds=8.0 + POST_S)),
        ("cam-2", T0 + timedelta(seconds=6.0 + POST_S)),
    ]
    # cam-2 saw one crossing only: its whole-incident clip is that crossing's (one file)
    assert whole[1].id == _one(clips, "ev-in", "cam-2").clip.id
    assert whole[0].id not in {c.clip.id for c in clips}


def test_the_crossing_frame_is_at_the_offset_in_every_camera_clip(site: Site) -> None:
    site.incident(
        "inc-1",
        _event("ev-1", (_frame_at(47) - T0).total_seconds(), source="cam-2", sensors="cam-1"),
    )
    clips = site.service.crossing_clips("inc-1")
    assert [c.clip.camera_id for c in clips] == ["cam-2", "cam-1"]
    for found in clips:
        frames = _frames(site.service.open_clip(found.clip.id))
        [shown] = [n for t, n in frames if abs(t - found.offset_s) < 0.5 / FPS]
        assert shown == 47, found.clip.camera_id


def test_clips_around_one_event_of_the_incident(site: Site) -> None:
    site.incident(
        "inc-1",
        _event("ev-0", 3.0, EventKind.BORDER_APPROACH),
        _event("ev-1", 6.0, direction=Direction.OUTBOUND),
    )
    [approach] = site.service.crossing_clips("inc-1", event_id="ev-0")
    assert (approach.event_id, approach.default) == ("ev-0", False)
    [crossing] = site.service.crossing_clips("inc-1", event_id="ev-1")
    assert (crossing.event_id, crossing.default) == ("ev-1", True)
    assert [c.event_id for c in site.service.crossing_clips("inc-1")] == ["ev-1"]
    with pytest.raises(ClipUnavailableError, match=r"'ev-9' is not an event of incident 'inc-1'"):
        site.service.crossing_clips("inc-1", event_id="ev-9")
    with pytest.raises(NotFoundError):
        site.service.crossing_clips("no-such-incident")


def test_a_crossing_clip_is_listed_once_its_post_roll_is_recorded(store: Store, site: Site) -> None:
    site.incident("inc-1", _event("ev-1", 5.0), _event("ev-2", 9.0))
    clock = [T0 + timedelta(seconds=5.0 + POST_S) - timedelta(milliseconds=1)]
    service = ClipService(
        store=lambda: store,
        repository=lambda: RecordingRepository.on_sessions(store.sessions),
        data_dir=site.data_dir,
        roll_s={"cam-1": (PRE_S, POST_S)},
        live=lambda _camera: None,
        clock=lambda: clock[0],
    )
    assert service.crossing_clips("inc-1") == []
    clock[0] += timedelta(milliseconds=1)
    assert [c.event_id for c in service.crossing_clips("inc-1")] == ["ev-1"]
    assert service.clips_for_incident("inc-1") == []  # the whole incident runs to 10.5 s


def test_an_opened_crossing_clip_is_in_the_ledger_with_its_crossing(site: Site) -> None:
    site.incident("inc-1", _event("ev-1", 6.0, direction=Direction.INBOUND))
    [found] = site.service.crossing_clips("inc-1")
    site.service.open_clip(found.clip.id)
    assert site.clip_entries() == [
        {
            "clip_id": found.clip.id,
            "incident_id": "inc-1",
            "start": found.clip.start.isoformat(),
            "end": found.clip.end.isoformat(),
            "around_event_id": "ev-1",
            "file": f"clips/{found.clip.id}.mp4",
        }
    ]


def test_the_default_is_the_most_severe_crossing_whose_clip_is_ready(
    store: Store, site: Site
) -> None:
    site.incident(
        "inc-1",
        _event("ev-out", 4.0, direction=Direction.OUTBOUND),
        _event("ev-in", 8.0, direction=Direction.INBOUND),
    )
    clock = [T0 + timedelta(seconds=4.0 + POST_S)]
    service = ClipService(
        store=lambda: store,
        repository=lambda: RecordingRepository.on_sessions(store.sessions),
        data_dir=site.data_dir,
        roll_s={"cam-1": (PRE_S, POST_S)},
        live=lambda _camera: None,
        clock=lambda: clock[0],
    )
    # the inbound crossing's post-roll is not recorded yet: the outbound one leads for now
    assert [(c.event_id, c.default) for c in service.crossing_clips("inc-1")] == [("ev-out", True)]
    clock[0] = T0 + timedelta(seconds=8.0 + POST_S)
    assert [(c.event_id, c.default) for c in service.crossing_clips("inc-1")] == [
        ("ev-out", False),
        ("ev-in", True),
    ]
