"""``ExportService`` on a real store, real recorded segments, real clips, snapshots and ledger.

Only evidence the ledger vouches for leaves the node: edited segments, clips or snapshots
refuse the export (a ``ConflictError``: HTTP 409), and a bundle's manifest carries the
hashes the ledger recorded.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

from kordon.domain.event import Event, EventKind
from kordon.domain.incident import Incident, IncidentStatus, IncidentStep
from kordon.domain.tracks import ImageTracks
from kordon.evidence.bundle_verify import verify_bundle
from kordon.evidence.entry import EntryKind
from kordon.evidence.manifest import BundleManifest
from kordon.evidence.verify import verify_ledger
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.services.clips import ClipService
from kordon.services.evidence_log import EvidenceLog
from kordon.services.exports import EvidenceTamperedError, ExportService
from kordon.services.ledger_service import LedgerService
from kordon.services.live_frames import LiveFrames
from kordon.store import ConflictError, NotFoundError, Store
from kordon.video.source.clock import FakeClock
from tests.record.media import T0, FakeCamera, HealthLog, StepClock, make_h264
from tests.services.ledger_support import running_ledger

NOW = T0 + timedelta(hours=1)
EVENT_AT = T0 + timedelta(seconds=3)


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
    clips: ClipService
    exports: ExportService

    def segment_files(self) -> list[Path]:
        return sorted((self.data_dir / "recordings").rglob("*.ts"))

    def export(self) -> Path:
        return self.exports.create_export(
            incident_id="inc-1", reason="court order 17", actor="alice", time=NOW
        ).path

    def export_entries(self) -> int:
        ledger = self.ledger.ledger
        return sum(ledger.entry(i).kind is EntryKind.EXPORT for i in range(ledger.size))


def _flip_byte(path: Path, offset: int = 1000) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture
def site(store: Store, tmp_path: Path, h264: Path) -> Iterator[Site]:
    """Six 1-s segments of cam-1 recorded into the ledger, an event at 3 s with its snapshot,
    and an incident of it; clips take 1 s before and after the event."""
    data_dir = tmp_path / "data"
    repository = RecordingRepository.on_sessions(store.sessions)
    with running_ledger(data_dir, FakeClock(NOW)) as ledger:
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
        event = Event(id="ev-1", kind=EventKind.LINE_CROSSING, time=EVENT_AT, source_id="cam-1")
        store.events.add(event)
        opened = IncidentStep(IncidentStatus.OPEN, actor="correlator", time=EVENT_AT)
        store.incidents.create(
            Incident(
                id="inc-1",
                title="Crossing",
                opened_at=EVENT_AT,
                priority=2,
                event_ids=("ev-1",),
                history=(opened,),
            ),
            time=EVENT_AT,
        )
        frames = LiveFrames(data_dir / "snapshots", {}, evidence=evidence)
        frames.update("cam-1", np.full((240, 320, 3), 90, np.uint8), ImageTracks.empty())
        frames.save_event_snapshots("cam-1", [event])
        clips = ClipService(
            store=lambda: store,
            repository=lambda: repository,
            data_dir=data_dir,
            roll_s={"cam-1": (1.0, 1.0)},
            live=lambda _camera: None,
            clock=lambda: NOW,
            evidence=evidence,
        )
        exports = ExportService(
            site_id="site-1",
            data_dir=data_dir,
            ledger=ledger,
            clips=clips,
            snapshots=frames,
            store=lambda: store,
        )
        yield Site(data_dir, store, repository, ledger, clips, exports)


def test_an_export_carries_the_ledger_hashes_and_verifies_offline(site: Site) -> None:
    assert len(site.segment_files()) >= 5
    info = site.exports.create_export(
        incident_id="inc-1", reason="court order 17", actor="alice", time=NOW
    )
    report = verify_bundle(info.path)
    assert report.ok, report.render()
    assert report.manifest is not None
    ledger = site.ledger.ledger
    (clip,) = site.clips.clips_for_incident("inc-1")
    clip_entry = ledger.file_entry(f"clips/{clip.id}.mp4")
    snapshot_entry = ledger.file_entry(f"snapshots/{EVENT_AT:%Y-%m-%d}/ev-1.jpg")
    assert clip_entry is not None
    assert snapshot_entry is not None
    files = {f.name: f.sha256 for f in report.manifest.files}
    record_sha256 = files.pop("incident.json")  # made at export time: see the next test
    assert files == {
        f"clips/cam-1-{clip.id}.mp4": clip_entry.sha256,
        "snapshots/ev-1.jpg": snapshot_entry.sha256,
    }
    with zipfile.ZipFile(info.path) as bundle:
        record = bundle.read("files/incident.json")
    assert hashlib.sha256(record).hexdigest() == record_sha256
    assert (report.manifest.exported_by, report.manifest.incident_id) == ("alice", "inc-1")
    assert site.exports.export_info(info.id) == info
    assert site.exports.export_info("not-an-id") is None
    assert site.exports.export_info("0" * 32) is None
    sidecar = json.loads((info.path.parent / f"{info.id}.json").read_text(encoding="utf-8"))
    assert sidecar == {"incident_id": "inc-1", "sha256": info.sha256}
    full = verify_ledger(site.data_dir / "ledger", data_dir=site.data_dir)
    assert full.ok, full.render()
    assert full.files is not None
    assert full.files.checked == len(site.segment_files()) + 2  # segments, clip, snapshot


def _refused(site: Site, match: str) -> None:
    before = site.export_entries()
    with pytest.raises(EvidenceTamperedError, match=match) as caught:
        site.export()
    assert isinstance(caught.value, ConflictError)  # the API answers 409
    assert site.export_entries() == before
    assert not list((site.data_dir / "exports").glob("*.zip"))


def test_every_segment_edited_refuses_the_export(site: Site) -> None:
    segments = site.segment_files()
    for path in segments:
        _flip_byte(path)
    _refused(site, r"export refused: segment recordings/cam-1/\S+\.ts differs from its database")
    assert not list((site.data_dir / "clips").glob("*.mp4"))  # no clip made of edited footage
    report = verify_ledger(site.data_dir / "ledger", data_dir=site.data_dir)
    assert not report.ok
    assert f"{len(segments)} of {len(segments) + 1} files differ" in report.issues[0].message


def test_edited_segments_with_rewritten_rows_are_still_refused_by_the_ledger(
    site: Site,
) -> None:
    for segment in site.repository.segments("cam-1"):
        path = site.data_dir / segment.path_rel
        _flip_byte(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with site.store.sessions.begin() as session:
            session.execute(
                text("UPDATE recording_segments SET sha256 = :d WHERE path_rel = :p"),
                {"d": digest, "p": segment.path_rel},
            )
    _refused(site, r"segment recordings/\S+ differs from its ledger entry")


def test_an_edited_clip_refuses_the_export(site: Site) -> None:
    first = site.export()
    assert verify_bundle(first).ok
    (clip,) = site.clips.clips_for_incident("inc-1")
    _flip_byte(site.data_dir / "clips" / f"{clip.id}.mp4", offset=2000)
    for bundle in (site.data_dir / "exports").glob("*.zip"):
        bundle.unlink()
    _refused(site, rf"export refused: clips/cam-1-{clip.id}\.mp4 .* its ledger entry recorded")


def test_an_edited_snapshot_refuses_the_export(site: Site) -> None:
    _flip_byte(site.data_dir / "snapshots" / f"{EVENT_AT:%Y-%m-%d}" / "ev-1.jpg", offset=300)
    _refused(site, r"export refused: snapshots/ev-1\.jpg .* its ledger entry recorded")


def test_a_file_the_ledger_never_recorded_is_not_exported(site: Site) -> None:
    snapshot = site.data_dir / "snapshots" / f"{EVENT_AT:%Y-%m-%d}" / "ev-1.jpg"
    unrecorded = snapshot.with_name("ev-2.jpg")
    unrecorded.write_bytes(snapshot.read_bytes())
    site.store.events.add(
        Event(id="ev-2", kind=EventKind.LINE_CROSSING, time=EVENT_AT, source_id="cam-9")
    )
    site.store.incidents.attach_event("inc-1", event_id="ev-2", time=EVENT_AT)
    _refused(site, r"snapshots/\S+/ev-2\.jpg has no ledger entry")


def test_an_incident_without_evidence_is_not_found(site: Site) -> None:
    site.store.events.add(
        Event(id="ev-9", kind=EventKind.LINE_CROSSING, time=EVENT_AT, source_id="cam-9")
    )
    opened = IncidentStep(IncidentStatus.OPEN, actor="correlator", time=EVENT_AT)
    site.store.incidents.create(
        Incident(
            id="inc-9",
            title="t",
            opened_at=EVENT_AT,
            priority=3,
            event_ids=("ev-9",),
            history=(opened,),
        ),
        time=EVENT_AT,
    )
    with pytest.raises(NotFoundError, match="incident inc-9 has no footage or snapshots"):
        site.exports.create_export(incident_id="inc-9", reason="r", actor="a", time=NOW)
    with pytest.raises(NotFoundError):
        site.exports.create_export(incident_id="inc-404", reason="r", actor="a", time=NOW)


def test_manifest_round_trip_is_exact(site: Site) -> None:
    """The manifest inside the bundle is the one the ledger's export entry hashed."""
    info = site.exports.create_export(incident_id="inc-1", reason="r", actor="a", time=NOW)
    report = verify_bundle(info.path)
    assert report.manifest is not None
    assert isinstance(report.manifest, BundleManifest)
    entry = site.ledger.ledger.entry(report.manifest.ledger_seq)
    assert entry.kind is EntryKind.EXPORT
    assert entry.sha256 == hashlib.sha256(report.manifest.canonical_bytes()).hexdigest()


def test_the_bundle_holds_the_incident_record_and_verify_checks_it(site: Site) -> None:
    """The incident itself travels with its footage: state, history, notes and events, as
    the operators left it; a changed byte in it fails ``verify_bundle``."""
    stored = site.store.incidents.get("inc-1")
    acknowledged = stored.incident.transition(
        to=IncidentStatus.ACKNOWLEDGED, actor="alice", time=EVENT_AT + timedelta(seconds=20)
    )
    site.store.incidents.save(acknowledged, expected_version=stored.version, time=NOW)
    info = site.exports.create_export(
        incident_id="inc-1", reason="court order 17", actor="alice", time=NOW
    )
    with zipfile.ZipFile(info.path) as bundle:
        record = json.loads(bundle.read("files/incident.json"))
    assert record["record"] == "kordon incident"
    assert record["site_id"] == "site-1"
    assert record["exported_at"] == NOW.isoformat()
    incident = record["incident"]
    assert (incident["id"], incident["title"], incident["status"]) == (
        "inc-1",
        "Crossing",
        "acknowledged",
    )
    assert [(h["status"], h["actor"]) for h in record["history"]] == [
        ("open", "correlator"),
        ("acknowledged", "alice"),
    ]
    assert [(e["id"], e["kind"], e["source_id"]) for e in record["events"]] == [
        ("ev-1", "line_crossing", "cam-1")
    ]
    assert record["events_missing"] == []
    assert not list((site.data_dir / "exports").glob(".*"))  # the record's temporary file

    data = bytearray(info.path.read_bytes())
    at = data.find(b'"title":"Crossing"')
    assert at > 0  # stored uncompressed in the canonical zip
    data[at + len(b'"title":"')] ^= 0x01
    tampered = info.path.with_name("tampered.zip")
    tampered.write_bytes(bytes(data))
    report = verify_bundle(tampered)
    assert not report.ok
    assert "incident.json" in report.render()
