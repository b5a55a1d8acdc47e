"""The whole node, in process: the Volyn demo site from camera to incident to evidence."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from kordon.app import build_node
from kordon.config.loader import load_site
from kordon.domain.event import EventKind
from kordon.evidence.entry import EntryKind
from kordon.evidence.verify import verify_ledger
from kordon.record.repository import RecordingRepository
from kordon.store import Store
from tests.support.demo_site import free_port, volyn_copy

INCIDENT_TIMEOUT_S = 120.0


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_demo_site_turns_a_border_crossing_into_held_signed_evidence(
    tmp_path: Path,
) -> None:
    config = load_site(volyn_copy(tmp_path))
    node = build_node(config, api_port=free_port(), web_dir=tmp_path / "no-ui")
    data = config.data_path()

    async def run_until_crossing() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(node.run(stop))
        started = time.monotonic()
        try:
            while time.monotonic() - started < INCIDENT_TIMEOUT_S and not task.done():
                await asyncio.sleep(1.0)
                db = data / "kordon.db"
                if db.exists() and _crossings(config.database_url()):
                    await asyncio.sleep(1.0)  # let the snapshot and hold land
                    break
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=15)

    asyncio.run(run_until_crossing())

    store = Store(config.database_url())
    store.open()
    try:
        crossings = [e for e in store.events.list(limit=500) if e.kind is EventKind.BORDER_CROSSING]
        assert crossings, "no border crossing within the time limit"
        crossing = crossings[0]
        # the site picture fuses both demo towers, the seismic sensor, the radar and the
        # patrol drone's camera: the crossing names the sensors behind its track, its source
        # the camera that saw it last
        sensors = str(crossing.attributes["sensors"]).split(",")
        assert set(sensors) <= {"cam-1", "cam-2", "ugs-1", "radar-1", "uav-1:1"}
        cameras = [s for s in sensors if s.startswith("cam-")]
        assert crossing.source_id in cameras
        assert crossing.track_id is not None
        assert crossing.track_id.startswith("site-")
        assert crossing.sector_id == "s1-tripoint"
        assert crossing.km_post is not None
        assert 9.5 < crossing.km_post < 10.5
        assert crossing.direction is not None
        assert crossing.lat is not None
        assert crossing.lon is not None
        assert "detected_at" in crossing.attributes
        incidents = store.incidents.list()
        assert any(crossing.id in i.incident.event_ids for i in incidents)
        incident_id = next(i.incident.id for i in incidents if crossing.id in i.incident.event_ids)
        repository = RecordingRepository.on_sessions(store.sessions)
        for camera_id in cameras:  # the footage of every camera that saw it is held
            holds = repository.holds(camera_id)
            assert any(h.incident_id == incident_id for h in holds), camera_id
        segments = RecordingRepository.on_sessions(store.sessions).segments("cam-1")
        assert segments, "the demo camera was recorded"
    finally:
        store.close()

    report = verify_ledger(data / "ledger")
    assert report.ok, report.render()
    kinds = _ledger_kinds(data / "ledger" / "ledger.jsonl")
    assert {EntryKind.SEGMENT, EntryKind.SNAPSHOT, EntryKind.AUDIT} <= kinds


def _crossings(url: str) -> bool:
    store = Store(url)
    store.open()
    try:
        return any(
            e.kind is EventKind.BORDER_CROSSING
            for e in store.events.list(kinds=[EventKind.BORDER_CROSSING], limit=5)
        )
    finally:
        store.close()


def _ledger_kinds(path: Path) -> set[EntryKind]:
    import json

    kinds: set[EntryKind] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        body = entry.get("entry", entry)
        kinds.add(EntryKind(body["kind"]))
    return kinds
