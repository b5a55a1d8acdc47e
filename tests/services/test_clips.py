"""``ClipService`` on a real store, real recorded segments and a real ledger.

Six 1-s segments of cam-1 (10 fps, a keyframe every second) are recorded first; incidents
and events are stored, clips are listed, assembled into MP4 and recorded in the ledger.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import av
import pytest

from kordon.domain.event import Event, EventKind
from kordon.domain.incident import Incident, IncidentStatus, IncidentStep
from kordon.evidence.entry import EntryKind
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.services.clips import ClipService, ClipUnavailableError
from kordon.services.evidence_log import EvidenceLog
from kordon.services.ledger_service import LedgerService
from kordon.store import NotFoundError, Store
from kordon.video.source.clock import FakeClock
from tests.record.media import T0, FakeCamera, HealthLog, StepClock, make_h264
from tests.services.ledger_support import running_ledger

PRE_S, POST_S = 1.0, 1.0
FPS = 10


@pytest.fixture(scope="module")
def h264(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 s, 320x240, 10 fps, a keyframe every second."""
    return make_h264(tmp_path_factory.mktemp("media") / "cam.ts", seconds=6.0)


@dataclass
class Site:
    data_dir: Path
    store: Store
    repository: RecordingRepository
    ledger: LedgerService
    evidence: EvidenceLog
    now: list[datetime]

    def clips(self) -> ClipService:
        """A fresh service (as after a restart), its clock reading ``now[0]``."""
        return ClipService(
            store=lambda: self.store,
            repository=lambda: self.repository,
            data_dir=self.data_dir,
            roll_s={"cam-1": (PRE_S, POST_S)},
            live=lambda _camera: None,
            clock=lambda: self.now[0],
            evidence=self.evidence,
        )

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

    def entries(self, kind: EntryKind) -> list[tuple[str, dict[str, object]]]:
        ledger = self.ledger.ledger
        found = [ledger.entry(i) for i in range(ledger.size)]
        return [(e.sha256 or "", dict(e.payload)) for e in found if e.kind is kind]


def _event(event_id: str, camera: str, at_s: float) -> Event:
    return Event(
        id=event_id,
        kind=EventKind.LINE_CROSSING,
        time=T0 + timedelta(seconds=at_s),
        source_id=camera,
    )


@pytest.fixture
def site(store: Store, tmp_path: Path, h264: Path) -> Iterator[Site]:
    data_dir = tmp_path / "data"
    repository = RecordingRepository.on_sessions(store.sessions)
    now = T0 + timedelta(hours=1)
    with running_ledger(data_dir, FakeClock(now)) as ledger:
        evidence = EvidenceLog(ledger)
        camera_clock = StepClock()
        Recorder(
            camera_id="cam-1",
            source=FakeCamera(h264, camera_clock),
            data_dir=data_dir,
            repository=repository,
            clock=camera_clock,
            health=HealthLog(),
            sink=evidence,
            settings=RecorderSettings(
                segment_s=1.0, max_segment_s=3.0, max_lag_s=None, stop_at_end=True
            ),
        ).run()
        assert len(repository.segments("cam-1")) == 6
        yield Site(data_dir, store, repository, ledger, evidence, [now])


def test_an_incident_lists_one_clip_per_recorded_camera_spanning_its_events(site: Site) -> None:
    site.incident(
        "inc-1",
        _event("ev-1", "cam-1", 2.0),
        _event("ev-2", "cam-1", 3.5),
        _event("ev-3", "cam-9", 3.0),  # a camera without recording: no clip
    )
    [clip] = site.clips().clips_for_incident("inc-1")
    assert (clip.camera_id, clip.incident_id) == ("cam-1", "inc-1")
    # It starts at the keyframe at or before 2.0 - PRE_S (frame 0, which the camera sent at
    # 0.1 s; the next keyframe, frame 10, at 1.1 s): the file's first frame.
    assert clip.start == T0 + timedelta(seconds=0.1)
    assert clip.end == T0 + timedelta(seconds=3.5 + POST_S)


def test_a_site_event_counts_for_every_camera_behind_its_track(site: Site) -> None:
    """A fused crossing names one camera as its source (the one that saw the track last)
    but every sensor behind the track; each of those cameras' clips must hold it. The
    browser walk-through found cam-1's clip ending a second before a crossing that cam-1
    had seen, because the crossing named cam-2."""
    crossing = Event(
        id="ev-2",
        kind=EventKind.BORDER_CROSSING,
        time=T0 + timedelta(seconds=4.0),
        source_id="cam-2",
        attributes={"sensors": "cam-1,cam-2,radar-1"},
    )
    site.incident("inc-1", _event("ev-1", "cam-1", 2.0), crossing)
    [clip] = site.clips().clips_for_incident("inc-1")  # cam-2 and the radar record nothing
    assert clip.camera_id == "cam-1"
    assert clip.end == T0 + timedelta(seconds=4.0 + POST_S)


def test_a_clip_is_listed_only_once_its_post_roll_is_recorded(site: Site) -> None:
    site.incident("inc-1", _event("ev-1", "cam-1", 2.0))
    end = T0 + timedelta(seconds=2.0 + POST_S)
    site.now[0] = end - timedelta(milliseconds=1)
    assert site.clips().clips_for_incident("inc-1") == []
    site.now[0] = end
    assert [c.end for c in site.clips().clips_for_incident("inc-1")] == [end]


def test_the_same_request_names_the_same_clip_and_others_do_not(site: Site) -> None:
    site.incident("inc-1", _event("ev-1", "cam-1", 2.0))
    site.incident("inc-2", _event("ev-2", "cam-1", 3.0))
    [first] = site.clips().clips_for_incident("inc-1")
    [again] = site.clips().clips_for_incident("inc-1")  # a new service: as after a restart
    [other] = site.clips().clips_for_incident("inc-2")
    assert first.id == again.id
    assert other.id != first.id
    service = site.clips()
    assert service.clip_info(first.id) is None  # unknown until listed by this service
    service.clips_for_incident("inc-1")
    assert service.clip_info(first.id) == first


def test_opening_a_clip_assembles_a_playable_mp4_and_records_it_in_the_ledger(
    site: Site,
) -> None:
    site.incident("inc-1", _event("ev-1", "cam-1", 2.5))
    service = site.clips()
    [clip] = service.clips_for_incident("inc-1")
    path = service.open_clip(clip.id)

    assert path == site.data_dir / "clips" / f"{clip.id}.mp4"
    with av.open(str(path)) as container:
        assert "mp4" in container.format.name
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = sum(1 for _ in container.decode(stream))
    wanted = (clip.end - clip.start).total_seconds() * FPS  # 2 s of footage
    assert wanted <= frames <= wanted + FPS  # it starts at the keyframe before the start
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    [(sha256, payload)] = site.entries(EntryKind.CLIP)
    assert sha256 == digest
    assert payload["clip_id"] == clip.id
    assert payload["incident_id"] == "inc-1"
    assert payload["start"] == clip.start.isoformat()

    # opened again: the same file, not assembled or recorded a second time
    mtime = path.stat().st_mtime_ns
    assert service.open_clip(clip.id) == path
    assert path.stat().st_mtime_ns == mtime
    assert len(site.entries(EntryKind.CLIP)) == 1


def test_a_clip_without_footage_is_unavailable_and_leaves_no_file(site: Site) -> None:
    site.incident("inc-1", _event("ev-1", "cam-1", 600.0))  # long after the recording
    service = site.clips()
    [clip] = service.clips_for_incident("inc-1")
    with pytest.raises(ClipUnavailableError, match=clip.id):
        service.open_clip(clip.id)
    assert list((site.data_dir / "clips").glob("*.mp4")) == []
    assert site.entries(EntryKind.CLIP) == []


def test_unknown_clips_and_incidents_are_not_found(site: Site) -> None:
    service = site.clips()
    with pytest.raises(ClipUnavailableError, match="not found"):
        service.open_clip("0" * 24)
    with pytest.raises(NotFoundError):
        service.clips_for_incident("no-such-incident")
