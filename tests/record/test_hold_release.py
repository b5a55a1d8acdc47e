"""Evidence holds are released a set time after their incident is settled, then age out.

A real store (SQLite and PostgreSQL), real recorded segments, the incidents' real histories;
the retention job (:class:`StorageMaintenance`) releases and sweeps in one run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pydantic import JsonValue

from kordon.domain.incident import Incident, IncidentStatus, IncidentStep, Resolution
from kordon.record.holds import HoldReleaser
from kordon.record.recorder import Recorder, RecorderSettings
from kordon.record.repository import RecordingRepository
from kordon.record.retention import DAY_S, RetentionManager, RetentionPolicy
from kordon.record.types import SegmentRecord
from kordon.services.maintenance import StorageMaintenance
from kordon.services.maintenance import settled_at as settled_at_of
from kordon.store import Store
from tests.record.media import T0, FakeCamera, HealthLog, StepClock, make_h264

RELEASE_AFTER_DAYS = 7.0
NOW = T0 + timedelta(days=10)
SETTLED_LONG_AGO = T0 + timedelta(hours=1)


@pytest.fixture(scope="module")
def ten_seconds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_h264(tmp_path_factory.mktemp("media") / "cam.ts", seconds=10.0)


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


def _incident(store: Store, incident_id: str, *moves: tuple[IncidentStatus, datetime]) -> None:
    """Create an open incident, then move it through ``moves`` with the real lifecycle."""
    opened = IncidentStep(IncidentStatus.OPEN, actor="system", time=T0)
    stored = store.incidents.create(
        Incident(id=incident_id, title=incident_id, opened_at=T0, priority=3, history=(opened,)),
        time=T0,
    )
    for status, time in moves:
        resolution = Resolution.FALSE_ALARM if status is IncidentStatus.RESOLVED else None
        moved = stored.incident.transition(status, actor="op", time=time, resolution=resolution)
        stored = store.incidents.save(moved, expected_version=stored.version, time=time)


@dataclass
class Scene:
    data_dir: Path
    repository: RecordingRepository
    segments: list[SegmentRecord]
    held_by: dict[str, SegmentRecord]


@pytest.fixture
def scene(store: Store, tmp_path: Path, ten_seconds: Path) -> Scene:
    data_dir = tmp_path / "data"
    repository = RecordingRepository.on_sessions(store.sessions)
    clock = StepClock()
    Recorder(
        camera_id="cam-1",
        source=FakeCamera(ten_seconds, clock),
        data_dir=data_dir,
        repository=repository,
        clock=clock,
        health=HealthLog(),
        settings=RecorderSettings(
            segment_s=1.0, max_segment_s=3.0, max_lag_s=None, stop_at_end=True
        ),
    ).run()
    segments = repository.segments("cam-1")
    assert len(segments) == 10
    resolved = (IncidentStatus.RESOLVED, SETTLED_LONG_AGO)
    _incident(store, "open")
    _incident(store, "false-alarm", resolved)
    _incident(store, "closed", resolved, (IncidentStatus.CLOSED, T0 + timedelta(days=1)))
    _incident(store, "recent", (IncidentStatus.RESOLVED, NOW - timedelta(days=6)))
    _incident(store, "reopened", resolved, (IncidentStatus.OPEN, T0 + timedelta(hours=2)))
    _incident(store, "exported", resolved)
    holders = ["open", "false-alarm", "closed", "recent", "reopened", "exported", None, "gone"]
    held_by: dict[str, SegmentRecord] = {}
    for holder, segment in zip(holders, segments, strict=False):
        repository.hold(
            "cam-1",
            segment.start,
            segment.end,
            "incident" if holder else "manual",
            time=T0 + timedelta(minutes=5),
            incident_id=holder,
        )
        held_by[holder or "manual"] = segment
    return Scene(data_dir, repository, segments, held_by)


def _maintenance(store: Store, scene: Scene, audit: Audit) -> StorageMaintenance:
    policy = RetentionPolicy(
        max_age_s=DAY_S, min_free_bytes=0, release_holds_after_s=RELEASE_AFTER_DAYS * DAY_S
    )
    return StorageMaintenance(
        store=lambda: store,
        retention=lambda: RetentionManager(
            data_dir=scene.data_dir, repository=scene.repository, policy=policy
        ),
        exported=lambda incident_id: incident_id == "exported",
        clock=lambda: NOW,
        audit=audit,
    )


def test_holds_of_settled_incidents_are_released_and_their_footage_ages_out(
    store: Store, scene: Scene
) -> None:
    audit = Audit()
    report = _maintenance(store, scene, audit).run()

    kept = {"open", "recent", "reopened", "exported", "manual", "gone"}
    remaining = {s.path_rel for s in scene.repository.segments("cam-1")}
    assert remaining == {scene.held_by[name].path_rel for name in kept}
    assert set(report.deleted) == {s.path_rel for s in scene.segments} - remaining
    for name in ("false-alarm", "closed"):
        assert not (scene.data_dir / scene.held_by[name].path_rel).exists()
    for name in kept:
        assert (scene.data_dir / scene.held_by[name].path_rel).is_file()
    assert {h.incident_id for h in scene.repository.holds()} == kept - {"manual"} | {None}
    released = sorted(str(details["incident_id"]) for _, _, details in audit.records)
    assert released == ["closed", "false-alarm"]
    assert {action for action, _, _ in audit.records} == {"recording.hold.release"}


def test_a_hold_stays_when_its_release_cannot_be_audited_and_the_sweep_still_runs(
    store: Store, scene: Scene
) -> None:
    audit = Audit(fail=True)
    report = _maintenance(store, scene, audit).run()

    assert len(scene.repository.holds()) == 8
    assert set(report.deleted) == {s.path_rel for s in scene.segments[8:]}  # un-held only


@pytest.mark.parametrize(
    ("after_days", "released"),
    [
        (7.0, {"false-alarm", "closed"}),
        (3.0, {"false-alarm", "closed", "recent"}),  # settled 6 days ago
        (9.5, {"false-alarm", "closed"}),  # closed 9 days ago, but resolved 10 days ago
        (10.5, set()),
    ],
)
def test_the_release_counts_from_when_the_incident_was_resolved(
    store: Store, scene: Scene, after_days: float, released: set[str]
) -> None:
    def settled_at(incident_id: str) -> datetime | None:
        if incident_id == "gone":
            return None
        return settled_at_of(store.incidents.get(incident_id))

    releaser = HoldReleaser(
        scene.repository,
        settled_at=settled_at,
        exported=lambda incident_id: incident_id == "exported",
        release_after_s=after_days * DAY_S,
    )
    report = releaser.release(NOW)
    assert {h.incident_id for h in report.released} == released
