"""Reports: the monthly report of a 50-camera site with a month of data (issue 16: <= 10 s,
PDF <= 5 MB).

Seeds a SQLite store in a temporary directory with a synthetic month (30 days) of a site of
5 sectors x 10 cameras, each camera with a recorder:
* 40 crossings per camera per day (60,000 events, in and out, over the hours of a day),
  plus 20 zone events per camera per day (30,000);
* one incident per 4 crossings (15,000), each with its history (acknowledged, dispatched,
  resolved as true, false or duplicate; some left open) and false-alarm feedback;
* device status history: a row per camera every ``HEARTBEAT_S`` (default 60 s: 2.16 M rows),
  2 outages per camera per month, recorders on change. The status writer
  (``DeviceStatusRepository.record``) keeps the history as a change log, a few rows per
  device per month; the heartbeat rows stand for the worst the table can hold (histories
  written before it, or imported): the report seeks each device's changes through the
  ``(device_id, time)`` index and skips the repeats inside the database, so its reading time
  follows the changes, not the rows (see ``reading the site's month``).
  ``KORDON_BENCH_HEARTBEAT_S=3600`` seeds in well under a minute, for profiling the rest.
Then times the site-wide monthly report (all 50 cameras) in PDF and in HTML, and one
sector's, from the store to the file on disk.
"""

from __future__ import annotations

import os
import random
import re
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from benchmarks.common import BenchRow, main_for
from kordon.domain.event import Direction, EventKind
from kordon.reports.output import ReportFormat, ReportKind
from kordon.reports.period import ReportPeriod
from kordon.reports.record import ReportRecord
from kordon.reports.request import ReportRequest
from kordon.reports.sector_source import SectorReportSource
from kordon.reports.service import ReportService
from kordon.reports.site_outline import SiteOutline
from kordon.reports.writer import ReportWriter
from kordon.store import Store, sqlite_url
from kordon.store.models import (
    DeviceStatusHistoryRow,
    EventRow,
    IncidentEventRow,
    IncidentRow,
    IncidentStepRow,
)
from kordon.store.models_incidents import IncidentExtrasRow, IncidentFeedbackRow

BENCH = "reports"
SECTORS = 5
CAMERAS_PER_SECTOR = 10
DAYS = 30
CROSSINGS_PER_CAMERA_DAY = 40
ZONE_EVENTS_PER_CAMERA_DAY = 20
CROSSINGS_PER_INCIDENT = 4
HEARTBEAT_S = float(os.environ.get("KORDON_BENCH_HEARTBEAT_S", "60"))
LIMIT_S = 10.0
LIMIT_PDF_MB = 5.0
TZ = "Europe/Kyiv"
PERIOD = ReportPeriod.month(2026, 11, timezone=TZ)
BATCH = 20_000


def _outline() -> SiteOutline:
    sectors = {f"s{n}": f"Sector {n}" for n in range(1, SECTORS + 1)}
    devices = {
        sector: tuple(
            d
            for c in range(CAMERAS_PER_SECTOR)
            for d in (f"{sector}-cam{c:02d}", f"{sector}-cam{c:02d}/recorder")
        )
        for sector in sectors
    }
    return SiteOutline("bench", "Benchmark site", TZ, sectors, devices)


def _flush(store: Store, table: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), BATCH):
        with store.sessions.begin() as session:
            session.execute(insert(table), rows[i : i + BATCH])
    rows.clear()


def _seed(store: Store, outline: SiteOutline) -> dict[str, int]:
    rng = random.Random(16)
    start = PERIOD.start
    counts = {"events": 0, "incidents": 0, "status rows": 0}
    events: list[dict[str, Any]] = []
    incidents: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    extras: list[dict[str, Any]] = []
    feedback: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    for sector, devices in outline.devices.items():
        cameras = [d for d in devices if "/" not in d]
        for camera in cameras:
            for day in range(DAYS):
                base = start + timedelta(days=day)
                for n in range(CROSSINGS_PER_CAMERA_DAY + ZONE_EVENTS_PER_CAMERA_DAY):
                    crossing = n < CROSSINGS_PER_CAMERA_DAY
                    moment = base + timedelta(seconds=rng.uniform(0, 86_399))
                    event_id = f"{camera}-{day}-{n}"
                    events.append(
                        {
                            "id": event_id,
                            "kind": str(
                                EventKind.BORDER_CROSSING if crossing else EventKind.ZONE_DWELL
                            ),
                            "time": moment,
                            "source_id": camera,
                            "rule_id": "border" if crossing else "strip-dwell",
                            "track_id": None,
                            "class_name": "person",
                            "confidence": 0.8,
                            "direction": str(rng.choice((Direction.INBOUND, Direction.OUTBOUND)))
                            if crossing
                            else None,
                            "frame": None,
                            "x": None,
                            "y": None,
                            "lat": 51.5,
                            "lon": 24.0,
                            "uncertainty_m": 20.0,
                            "km_post": None,
                            "sector_id": sector,
                            "attributes": {},
                            "evidence": [],
                        }
                    )
                    if crossing and n % CROSSINGS_PER_INCIDENT == 0:
                        _incident(
                            rng,
                            event_id,
                            moment,
                            sector,
                            camera,
                            incidents,
                            steps,
                            links,
                            extras,
                            feedback,
                        )
            _history(rng, camera, start, history)
        counts["events"] += len(events)
        counts["incidents"] += len(incidents)
        counts["status rows"] += len(history)
        _flush(store, EventRow, events)
        _flush(store, IncidentRow, incidents)
        for table, rows in (
            (IncidentStepRow, steps),
            (IncidentEventRow, links),
            (IncidentExtrasRow, extras),
            (IncidentFeedbackRow, feedback),
            (DeviceStatusHistoryRow, history),
        ):
            _flush(store, table, rows)
    return counts


def _incident(  # noqa: PLR0917 (a seeding helper appending to its tables)
    rng: random.Random,
    event_id: str,
    opened: datetime,
    sector: str,
    camera: str,
    incidents: list[dict[str, Any]],
    steps: list[dict[str, Any]],
    links: list[dict[str, Any]],
    extras: list[dict[str, Any]],
    feedback: list[dict[str, Any]],
) -> None:
    incident_id = f"inc-{event_id}"
    priority = rng.choice((1, 2, 2, 3, 3, 3, 4))
    fate = rng.random()
    resolution = None
    status = "open"
    trail: list[tuple[str, float]] = [("open", 0.0)]
    if fate > 0.03:
        ack = rng.lognormvariate(4.0, 0.8)
        trail.append(("acknowledged", ack))
        status = "acknowledged"
        if fate > 0.08:
            dispatch = ack + rng.lognormvariate(5.5, 0.6)
            trail.append(("dispatched", dispatch))
            status = "dispatched"
            if fate > 0.12:
                trail.append(("resolved", dispatch + rng.lognormvariate(7.5, 0.5)))
                status = "resolved"
                resolution = rng.choices(
                    ("true_alarm", "false_alarm", "duplicate"), weights=(6, 3, 1)
                )[0]
    incidents.append(
        {
            "id": incident_id,
            "title": f"Border crossing ({sector})",
            "opened_at": opened,
            "priority": priority,
            "status": status,
            "sector_id": sector,
            "assignee": None,
            "resolution": resolution,
            "updated_at": opened,
            "version": len(trail),
        }
    )
    steps.extend(
        {
            "incident_id": incident_id,
            "seq": seq,
            "status": state,
            "actor": "bench",
            "time": opened + timedelta(seconds=after_s),
            "note": "",
        }
        for seq, (state, after_s) in enumerate(trail)
    )
    links.append({"incident_id": incident_id, "event_id": event_id, "position": 0})
    extras.append(
        {
            "incident_id": incident_id,
            "sla_due_at": opened + timedelta(seconds=60 * priority),
            "escalated_at": None,
            "last_alert_at": opened,
            "dispatched_unit": None,
        }
    )
    if resolution is not None:
        feedback.append(
            {
                "incident_id": incident_id,
                "source_id": camera,
                "rule_id": "border",
                "resolution": resolution,
                "time": opened,
            }
        )


def _history(rng: random.Random, camera: str, start: datetime, rows: list[dict[str, Any]]) -> None:
    outages = sorted(rng.uniform(0, DAYS * 86_400 - 7_200) for _ in range(2))
    down: list[tuple[float, float]] = [(s, s + rng.uniform(120, 5_400)) for s in outages]
    t = 0.0
    while t < DAYS * 86_400:
        is_down = any(a <= t < b for a, b in down)
        rows.append(
            _status(camera, start + timedelta(seconds=t), "offline" if is_down else "online")
        )
        t += HEARTBEAT_S
    recorder = f"{camera}/recorder"
    rows.append(_status(recorder, start - timedelta(hours=1), "online"))
    for a, b in down:
        rows.append(_status(recorder, start + timedelta(seconds=a + 5), "degraded"))
        rows.append(_status(recorder, start + timedelta(seconds=b + 5), "online"))


def _status(device: str, moment: datetime, state: str) -> dict[str, Any]:
    return {"device_id": device, "time": moment, "state": state, "detail": "", "metrics": {}}


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def bench_rows() -> list[BenchRow]:
    outline = _outline()
    rows: list[BenchRow] = []
    with tempfile.TemporaryDirectory(prefix="kordon-bench-reports-") as tmp:
        directory = Path(tmp)
        with Store(sqlite_url(directory / "kordon.db")) as store:
            t0 = time.perf_counter()
            counts = _seed(store, outline)
            seed_s = time.perf_counter() - t0
            recorded: list[ReportRecord] = []
            service = ReportService(
                outline=outline,
                sectors=SectorReportSource(store, outline),
                writer=ReportWriter(recorded.append),
                directory=directory / "reports",
            )
            at = PERIOD.end + timedelta(hours=6)
            note = (
                f"{counts['events']:,} events, {counts['incidents']:,} incidents, "
                f"{counts['status rows']:,} status rows (heartbeat {HEARTBEAT_S:.0f} s), SQLite"
            )
            rows.append(BenchRow(BENCH, "seed the month", seed_s, "s", note))
            for label, sector, fmt in (
                ("site, 50 cameras, PDF", None, ReportFormat.PDF),
                ("site, 50 cameras, HTML", None, ReportFormat.HTML),
                ("one sector, 10 cameras, PDF", "s1", ReportFormat.PDF),
            ):
                request = ReportRequest(ReportKind.SECTOR, PERIOD, fmt, sector_id=sector)
                t0 = time.perf_counter()
                facts = service.document(request, at=at, requested_by="bench")
                facts_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                c0 = time.process_time()
                stored = service.generate(request, at=at, requested_by="bench")
                total_s = time.perf_counter() - t0
                cpu_s = time.process_time() - c0
                size_mb = stored.path.stat().st_size / 1e6
                verdict = "ok" if total_s <= LIMIT_S else f"OVER the {LIMIT_S:.0f} s limit"
                rows.append(
                    BenchRow(
                        BENCH,
                        f"monthly report, {label}",
                        total_s,
                        "s",
                        f"store to file, {verdict}; CPU {cpu_s:.2f} s (wall > CPU: the machine "
                        f"is shared); reading + layout {facts_s:.2f} s",
                    )
                )
                extra = ""
                if fmt is ReportFormat.PDF:
                    extra = f"{_pages(stored.path.read_bytes())} pages"
                    if size_mb > LIMIT_PDF_MB:
                        extra += f", OVER the {LIMIT_PDF_MB:.0f} MB limit"
                rows.append(BenchRow(BENCH, f"size, {label}", size_mb, "MB", extra))
                del facts
            t0 = time.perf_counter()
            SectorReportSource(store, outline).facts(sector_id=None, period=PERIOD, at=at)
            read_s = time.perf_counter() - t0
            rows.append(
                BenchRow(
                    BENCH,
                    "reading the site's month from the store",
                    read_s,
                    "s",
                    f"all queries; {counts['status rows']:,} status rows stored, only the "
                    "changes read",
                )
            )
    for row in rows:
        print(f"{row.name}: {row.value:,.3f} {row.unit} ({row.note})", file=sys.stderr)
    return rows


if __name__ == "__main__":
    main_for(bench_rows)
