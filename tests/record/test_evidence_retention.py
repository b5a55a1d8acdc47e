"""Snapshots, clips and exports age out, except those their incidents keep.

A real store (SQLite and PostgreSQL), real holds, a real ledger recording the clips, the
real ``ExportService`` sidecars, and the retention job (:class:`StorageMaintenance`) run at
an injected time; file ages are their modification times, set by the test.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pydantic import JsonValue

from kordon.config.storage import RetentionConfig, StorageConfig
from kordon.domain.event import Event, EventKind
from kordon.domain.incident import Incident, IncidentStatus, IncidentStep, Resolution
from kordon.evidence.entry import EntryKind
from kordon.record.evidence_retention import (
    RECLAIM_MIN_AGE_S,
    EvidenceKind,
    EvidenceRetention,
)
from kordon.record.repository import RecordingRepository
from kordon.record.retention import (
    DAY_S,
    DiskSpace,
    EvidenceAges,
    RetentionManager,
    RetentionPolicy,
)
from kordon.services.clips import ClipService
from kordon.services.evidence_links import StoreEvidenceLinks
from kordon.services.evidence_log import EvidenceLog
from kordon.services.exports import ExportService
from kordon.services.live_frames import LiveFrames
from kordon.services.maintenance import StorageMaintenance
from kordon.store import Store
from kordon.video.source.clock import FakeClock
from tests.record.media import T0
from tests.services.ledger_support import running_ledger

NOW = T0 + timedelta(days=200)
AGES = EvidenceAges(snapshots_s=30 * DAY_S, clips_s=7 * DAY_S, exports_s=90 * DAY_S)
SETTLED = (IncidentStatus.RESOLVED, T0 + timedelta(hours=1))


@dataclass
class Audit:
    records: list[tuple[str, str, dict[str, JsonValue]]] = field(default_factory=list)
    fail: bool = False

    def record(  # noqa: PLR0917 (the AuditSink signature)
        self,
        actor: str,
        action: str,
        subject: str,
        outcome: str,
        details: dict[str, JsonValue],
        time: datetime,
    ) -> None:
        del actor, outcome, time
        if self.fail:
            raise OSError("ledger disk full")
        self.records.append((action, subject, details))


@dataclass
class Disk:
    """Free space as the data directory's files leave it: ``total - reserved - used``."""

    data_dir: Path
    total: int = 1_000_000
    reserved: int = 0

    def __call__(self, path: Path) -> DiskSpace:
        del path
        used = sum(p.stat().st_size for p in self.data_dir.rglob("*") if p.is_file())
        return DiskSpace(free_bytes=self.total - self.reserved - used, total_bytes=self.total)


@dataclass
class Scene:
    data_dir: Path
    store: Store
    repository: RecordingRepository
    evidence: EvidenceLog
    exports: ExportService
    audit: Audit
    disk: Disk

    def maintenance(self, min_free_bytes: int = 0) -> StorageMaintenance:
        policy = RetentionPolicy(
            max_age_s=None,
            min_free_bytes=min_free_bytes,
            release_holds_after_s=None,
            evidence=AGES,
        )
        return StorageMaintenance(
            store=lambda: self.store,
            retention=lambda: RetentionManager(
                data_dir=self.data_dir,
                repository=self.repository,
                policy=policy,
                free_space=self.disk,
            ),
            exported=self.exports.has_export,
            clock=lambda: NOW,
            audit=self.audit,
            recorded_entry=self.evidence.recorded_entry,
        )

    def incident(
        self, incident_id: str, *moves: tuple[IncidentStatus, datetime], events: int = 1
    ) -> list[str]:
        """An incident with ``events`` events, moved through ``moves``; the event ids."""
        event_ids = [f"{incident_id}-ev{i}" for i in range(events)]
        for event_id in event_ids:
            self.store.events.add(
                Event(id=event_id, kind=EventKind.LINE_CROSSING, time=T0, source_id="cam-1")
            )
        opened = IncidentStep(IncidentStatus.OPEN, actor="system", time=T0)
        stored = self.store.incidents.create(
            Incident(
                id=incident_id,
                title=incident_id,
                opened_at=T0,
                priority=3,
                event_ids=tuple(event_ids),
                history=(opened,),
            ),
            time=T0,
        )
        for status, time in moves:
            resolution = Resolution.FALSE_ALARM if status is IncidentStatus.RESOLVED else None
            moved = stored.incident.transition(status, actor="op", time=time, resolution=resolution)
            stored = self.store.incidents.save(moved, expected_version=stored.version, time=time)
        return event_ids

    def hold(self, incident_id: str) -> None:
        self.repository.hold(
            "cam-1", T0, T0 + timedelta(seconds=10), "incident", time=T0, incident_id=incident_id
        )

    def snapshot(self, event_id: str, *, age: timedelta) -> Path:
        path = self.data_dir / "snapshots" / f"{T0:%Y-%m-%d}" / f"{event_id}.jpg"
        return _written(path, b"\xff\xd8jpeg" * 10, NOW - age)

    def clip(self, clip_id: str, incident_id: str | None, *, age: timedelta) -> Path:
        path = _written(self.data_dir / "clips" / f"{clip_id}.mp4", b"mp4" * 100, NOW - age)
        if incident_id is not None:  # as ClipService records a clip it made
            self.evidence.record_file(
                EntryKind.CLIP,
                "cam-1",
                path,
                payload={"clip_id": clip_id, "incident_id": incident_id},
                time=T0,
            )
        return path

    def export(self, export_id: str, incident_id: str, *, age: timedelta) -> tuple[Path, Path]:
        """A bundle and the sidecar ``ExportService`` writes beside it."""
        exports = self.data_dir / "exports"
        bundle = _written(exports / f"{export_id}.zip", b"PK" * 100, NOW - age)
        sidecar = json.dumps({"incident_id": incident_id, "sha256": "0" * 64}).encode()
        return bundle, _written(exports / f"{export_id}.json", sidecar, NOW - age)


def _written(path: Path, data: bytes, modified: datetime) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (modified.timestamp(), modified.timestamp()))
    return path


@pytest.fixture
def scene(store: Store, tmp_path: Path) -> Iterator[Scene]:
    data_dir = tmp_path / "data"
    repository = RecordingRepository.on_sessions(store.sessions)
    with running_ledger(data_dir, FakeClock(NOW)) as ledger:
        evidence = EvidenceLog(ledger)
        clips = ClipService(
            store=lambda: store,
            repository=lambda: repository,
            data_dir=data_dir,
            roll_s={},
            live=lambda _camera: None,
            clock=lambda: NOW,
            evidence=evidence,
        )
        exports = ExportService(
            site_id="site-1",
            data_dir=data_dir,
            ledger=ledger,
            clips=clips,
            snapshots=LiveFrames(data_dir / "snapshots", {}),
            store=lambda: store,
        )
        yield Scene(data_dir, store, repository, evidence, exports, Audit(), Disk(data_dir))


OLD = timedelta(days=100)
"""Past every age limit (snapshots 30 days, clips 7, exports 90)."""


def test_expired_snapshots_go_unless_their_incident_keeps_them(scene: Scene) -> None:
    lone = "lone"  # an event that raised no incident
    scene.store.events.add(Event(id=lone, kind=EventKind.LINE_CROSSING, time=T0, source_id="cam-1"))
    (open_event,) = scene.incident("open")
    (settled_event,) = scene.incident("settled", SETTLED)
    (held_event,) = scene.incident("held", SETTLED)
    scene.hold("held")
    (exported_event,) = scene.incident("exported", SETTLED)
    scene.export("e" * 32, "exported", age=timedelta(days=10))
    (reopened_event,) = scene.incident(
        "reopened", SETTLED, (IncidentStatus.OPEN, T0 + timedelta(hours=2))
    )
    files = {
        name: scene.snapshot(event_id, age=OLD)
        for name, event_id in [
            ("lone", lone),
            ("open", open_event),
            ("settled", settled_event),
            ("held", held_event),
            ("exported", exported_event),
            ("reopened", reopened_event),
        ]
    }
    young = scene.snapshot("young-event", age=timedelta(days=29))

    scene.maintenance().run()

    gone = {name for name, path in files.items() if not path.exists()}
    assert gone == {"lone", "settled"}
    assert young.exists()
    deletions = [(a, s, d["reason"]) for a, s, d in scene.audit.records]
    assert sorted(deletions) == [
        ("evidence.delete", f"snapshot:{lone}", "age"),
        ("evidence.delete", f"snapshot:{settled_event}", "age"),
    ]


def test_clips_age_out_unless_kept_and_unknown_clips_stay(scene: Scene) -> None:
    scene.incident("open")
    scene.incident("settled", SETTLED)
    scene.incident("held", SETTLED)
    scene.hold("held")
    open_clip = scene.clip("c-open", "open", age=timedelta(days=8))
    settled_clip = scene.clip("c-settled", "settled", age=timedelta(days=8))
    held_clip = scene.clip("c-held", "held", age=timedelta(days=8))
    young_clip = scene.clip("c-young", "settled", age=timedelta(days=6))
    unknown_clip = scene.clip("c-unknown", None, age=OLD)

    scene.maintenance().run()

    assert not settled_clip.exists()
    assert open_clip.exists()
    assert held_clip.exists()
    assert young_clip.exists()
    assert unknown_clip.exists()  # the ledger never said whose it is
    ((action, subject, details),) = scene.audit.records
    assert (action, subject) == ("evidence.delete", "clip:c-settled")
    assert details["files"] == ["clips/c-settled.mp4"]


def test_an_export_is_kept_until_its_age_and_then_releases_its_incidents_evidence(
    scene: Scene,
) -> None:
    (event,) = scene.incident("settled", SETTLED)
    snapshot = scene.snapshot(event, age=OLD)
    young = scene.export("a" * 32, "settled", age=timedelta(days=89))

    scene.maintenance().run()
    assert all(p.exists() for p in young)
    assert snapshot.exists()  # the export keeps its incident's evidence

    for path in young:  # the same bundle, now past its age
        stamp = (NOW - timedelta(days=91)).timestamp()
        os.utime(path, (stamp, stamp))
    scene.maintenance().run()
    assert not any(p.exists() for p in young)
    assert not scene.exports.has_export("settled")
    scene.maintenance().run()
    assert not snapshot.exists()  # nothing keeps it any more
    assert [s for _, s, _ in scene.audit.records] == [f"export:{'a' * 32}", f"snapshot:{event}"]


def test_an_open_incidents_export_stays_past_its_age(scene: Scene) -> None:
    scene.incident("open")
    bundle, sidecar = scene.export("b" * 32, "open", age=OLD)
    orphan = _written(scene.data_dir / "exports" / f"{'c' * 32}.zip", b"PK", NOW - OLD)
    unreadable = _written(scene.data_dir / "exports" / f"{'d' * 32}.json", b"{", NOW - OLD)

    scene.maintenance().run()

    assert bundle.exists()
    assert sidecar.exists()
    assert not orphan.exists()  # a bundle whose export never finished names no incident
    assert unreadable.exists()


def test_a_deletion_that_cannot_be_audited_does_not_happen(scene: Scene) -> None:
    scene.incident("settled", SETTLED)
    snapshot = scene.snapshot("settled-ev0", age=OLD)
    scene.audit.fail = True

    scene.maintenance().run()

    assert snapshot.exists()


def test_the_disk_full_pass_frees_space_from_un_kept_files_and_never_held_ones(
    scene: Scene,
) -> None:
    (settled_event,) = scene.incident("settled", SETTLED)
    (held_event,) = scene.incident("held", SETTLED)
    scene.hold("held")
    (open_event,) = scene.incident("open")
    recent = timedelta(hours=2)  # younger than every age limit
    unheld = scene.snapshot(settled_event, age=recent)
    held = scene.snapshot(held_event, age=recent)
    opened = scene.snapshot(open_event, age=recent)
    held_clip = scene.clip("c-held", "held", age=recent)
    settled_clip = scene.clip("c-settled", "settled", age=recent)
    fresh = scene.snapshot("fresh-event", age=timedelta(seconds=RECLAIM_MIN_AGE_S / 2))
    scene.incident("exported", SETTLED)
    export = scene.export("f" * 32, "exported", age=recent)
    scene.disk.reserved = scene.disk.total - 200  # always short of the 1000 bytes kept free

    scene.maintenance(min_free_bytes=1000).run()

    assert not unheld.exists()
    assert not settled_clip.exists()
    assert held.exists()
    assert held_clip.exists()
    assert opened.exists()
    assert fresh.exists()  # its event may not have joined an incident yet
    assert all(p.exists() for p in export)  # exports are never disk-full victims
    reasons = {s: d["reason"] for _, s, d in scene.audit.records}
    assert reasons == {f"snapshot:{settled_event}": "disk_full", "clip:c-settled": "disk_full"}


def test_the_disk_full_pass_stops_once_there_is_room(scene: Scene) -> None:
    scene.incident("settled", SETTLED, events=3)
    oldest = scene.snapshot("settled-ev0", age=timedelta(hours=4))
    middle = scene.snapshot("settled-ev1", age=timedelta(hours=3))
    newest = scene.snapshot("settled-ev2", age=timedelta(hours=2))
    retention = EvidenceRetention(
        data_dir=scene.data_dir,
        ages=AGES,
        links=StoreEvidenceLinks(
            store=scene.store,
            exported=scene.exports.has_export,
            recorded_entry=scene.evidence.recorded_entry,
        ),
    )
    report = retention.reclaim(NOW, enough=lambda: not oldest.exists())
    assert [f.key for f in report.deleted] == ["settled-ev0"]
    assert [f.kind for f in report.deleted] == [EvidenceKind.SNAPSHOT]
    assert middle.exists()
    assert newest.exists()
    assert not oldest.exists()
    assert oldest.parent.is_dir()  # the day's other snapshots remain


def test_the_ages_come_from_the_storage_configuration() -> None:
    config = StorageConfig(
        retention=RetentionConfig(
            snapshots_max_age_days=2, clips_max_age_days=None, exports_max_age_days=400
        )
    )
    ages = RetentionPolicy.from_config(config).evidence
    assert ages == EvidenceAges(snapshots_s=2 * DAY_S, clips_s=None, exports_s=400 * DAY_S)
    assert RetentionPolicy.from_config(StorageConfig()).evidence == EvidenceAges()


@pytest.mark.parametrize(
    ("field_name", "value", "message"),
    [
        ("snapshots_max_age_days", 0, "greater than 0"),
        ("clips_max_age_days", -1, "greater than 0"),
        ("exports_max_age_days", 40_000, "less than or equal to 36500"),
    ],
)
def test_bad_ages_are_refused(field_name: str, value: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RetentionConfig.model_validate({field_name: value})
