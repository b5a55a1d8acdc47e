"""``EvidenceLog`` on a real ledger: audit records, segment and file entries, look-ups."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kordon.evidence.entry import EntryKind
from kordon.evidence.verify import verify_ledger
from kordon.services.evidence_log import EvidenceLog
from kordon.video.source.clock import FakeClock
from tests.services.ledger_support import running_ledger

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_audit_records_come_back_newest_first(tmp_path: Path) -> None:
    with running_ledger(tmp_path, FakeClock(T0)) as service:
        log = EvidenceLog(service)
        log.record("alice", "login", "user:alice", "ok", {"ip": "10.0.0.1"}, T0)
        log("bob", "acknowledge", "incident:inc-1", {"note": "seen"}, T0 + timedelta(seconds=1))
        recent = log.recent(10)
        assert [(r.actor, r.action, r.subject, r.outcome) for r in recent] == [
            ("bob", "incident.acknowledge", "incident:inc-1", "done"),
            ("alice", "login", "user:alice", "ok"),
        ]
        assert recent[0].details == {"note": "seen"}
        assert recent[0].time == T0 + timedelta(seconds=1)
        assert [r.actor for r in log.recent(1)] == ["bob"]
    assert verify_ledger(tmp_path / "ledger").ok


def test_a_segment_entry_names_its_file_and_is_found_again(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    with running_ledger(tmp_path, clock) as service:
        log = EvidenceLog(service)
        log.record_segment(
            "cam-1",
            "recordings/cam-1/a.ts",
            sha256="ab" * 32,
            start=T0,
            end=T0 + timedelta(seconds=10),
            time=T0 + timedelta(seconds=11),
        )
        entry = service.ledger.entry(0)
        assert (entry.kind, entry.subject, entry.sha256) == (EntryKind.SEGMENT, "cam-1", "ab" * 32)
        assert entry.payload == {
            "path": "recordings/cam-1/a.ts",
            "start": T0.isoformat(),
            "end": (T0 + timedelta(seconds=10)).isoformat(),
        }
        assert log.recorded_sha256("recordings/cam-1/a.ts") == "ab" * 32
        assert log.recorded_sha256("recordings/cam-1/b.ts") is None
        assert log.recorded_entry("recordings/cam-1/a.ts") == entry


def test_a_file_entry_carries_the_hash_and_the_data_dir_path(tmp_path: Path) -> None:
    clip = tmp_path / "clips" / "c1.mp4"
    clip.parent.mkdir()
    clip.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40)
    outside = tmp_path.parent / f"{tmp_path.name}-outside.jpg"
    outside.write_bytes(b"\xff\xd8 not in the data dir")
    with running_ledger(tmp_path, FakeClock(T0)) as service:
        log = EvidenceLog(service)
        log.record_file(EntryKind.CLIP, "cam-1", clip, payload={"clip_id": "c1"}, time=T0)
        log.record_file(EntryKind.SNAPSHOT, "cam-1", outside, payload={"event_id": "e"}, time=T0)
        first, second = service.ledger.entry(0), service.ledger.entry(1)
        assert first.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
        assert first.payload == {"clip_id": "c1", "file": "clips/c1.mp4"}
        assert second.payload == {"event_id": "e"}  # no path outside the data directory
        assert log.recorded_sha256("clips/c1.mp4") == first.sha256
        # files are written once: a second entry for the same path does not replace the first
        clip.write_bytes(b"re-made")
        log.record_file(EntryKind.CLIP, "cam-1", clip, payload={"clip_id": "c1"}, time=T0)
        assert log.recorded_sha256("clips/c1.mp4") == first.sha256
    report = verify_ledger(tmp_path / "ledger", data_dir=tmp_path)
    assert [i.file for i in report.issues] == ["clips/c1.mp4", "clips/c1.mp4"]
    assert "1 of 1 files differ" in report.issues[0].message
    assert "recorded again by entry 2" in report.issues[1].message
