"""Alert to on-screen notification in the browser (issue 11: p95 ≤ 250 ms).

The real API (``create_api``) on a seeded site (``tests.api.fakes``) serves the built web UI
on a free port; a headless Chromium (``benchmarks/alert_browser.mjs``, playwright-core) logs
in as an operator and watches the console's alert banner. The benchmark then publishes, on
the site's bus, ``N_ALERTS`` alerts the way the incident service does — the incident's
``incident`` message, then its ``alert`` — 400-700 ms apart. Latency = the wall time at
which the page had painted the banner naming that alert (a task after the animation frame
that drew it) − the wall time just before the ``incident`` message was published. Browser
and server share one machine, so one clock. Server, bus and browser all run on this
machine's cores (the figure includes their contention).

Usage: ``python -m benchmarks.bench_alert_browser``; prints the figures and, last, the
JSON rows ``python -m benchmarks`` collects.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import random
import re
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import REPO_ROOT, BenchRow, main_for
from kordon.api.app import create_api
from kordon.api.server import ApiServer
from kordon.bus.channels import ALERTS, INCIDENTS
from kordon.domain.event import Direction, Event, EventKind
from kordon.domain.incident import CrossingCounts
from kordon.incidents.alerts import AlertReason, IncidentAlert
from kordon.services.recent_alerts import RecentAlerts
from tests.api.fakes import IN_SECTOR, PASSWORD, build_site, client_settings

N_ALERTS = 60
GOAL_MS = 250.0
CHROMIUM = Path(os.environ.get("KORDON_CHROMIUM", "/usr/bin/chromium"))
READY_TIMEOUT_S = 60.0
TITLE = re.compile(r"bench alert (\d+)\b")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _alert(n: int, now: datetime) -> IncidentAlert:
    inbound = n % 2 == 0
    event = Event(
        kind=EventKind.BORDER_CROSSING,
        time=now,
        source_id="cam1",
        id=f"bench-ev-{n}",
        sector_id=IN_SECTOR,
        lat=51.5,
        lon=24.0,
        class_name="person",
        direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
    )
    return IncidentAlert(
        incident_id="inc1",
        event=event,
        reasons=(AlertReason.CROSSING,),
        alerted_at=now,
        priority=1 if inbound else 2,
        title=f"bench alert {n}",
        sector_id=IN_SECTOR,
        crossings=CrossingCounts(inbound=n // 2 + 1, outbound=(n + 1) // 2),
    )


async def _run(directory: Path) -> list[float]:
    web_dist = REPO_ROOT / "web" / "dist"
    site = build_site(
        directory, settings=client_settings(allowed_hosts=("127.0.0.1",), static_dir=web_dist)
    )
    recent = RecentAlerts()
    context = dataclasses.replace(site.context, recent_alerts=recent)
    server = ApiServer(create_api(context), host="127.0.0.1", port=0)
    await server.start()
    site.bus.bind(asyncio.get_running_loop())
    incident = site.store.incidents.get("inc1").incident
    browser = await asyncio.create_subprocess_exec(
        "node",
        str(REPO_ROOT / "benchmarks" / "alert_browser.mjs"),
        env={
            **os.environ,
            "KORDON_URL": server.url,
            "KORDON_USER": "operator",
            "KORDON_PASSWORD": PASSWORD,
            "EXPECT": str(N_ALERTS),
            "CHROMIUM": str(CHROMIUM),
            "KORDON_WEB_DIR": str(REPO_ROOT / "web"),
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert browser.stdout is not None
    try:
        line = await asyncio.wait_for(browser.stdout.readline(), READY_TIMEOUT_S)
        if line.strip() != b"READY":
            err = await browser.stderr.read() if browser.stderr else b""
            raise RuntimeError(f"the browser did not get ready: {line!r} {err.decode()[-500:]}")
        await asyncio.sleep(1.0)  # let the console settle after its first load
        published: dict[int, float] = {}
        rng = random.Random(11)
        for n in range(N_ALERTS):
            published[n] = time.time()
            site.bus.publish(INCIDENTS, incident)
            alert = _alert(n, datetime.now(UTC))
            recent.add(alert)
            site.bus.publish(ALERTS, alert)
            await asyncio.sleep(rng.uniform(0.4, 0.7))
        out, err = await asyncio.wait_for(browser.communicate(), 120.0)
        if browser.returncode != 0:
            raise RuntimeError(f"the browser failed: {err.decode()[-800:]}")
    finally:
        if browser.returncode is None:
            browser.kill()
            await browser.wait()
        await server.stop()
    sent = dict(published)
    in_document: list[float] = []
    shown_line = next(x for x in out.decode().splitlines() if x.startswith("SHOWN "))
    shown = json.loads(shown_line.removeprefix("SHOWN "))
    delays: list[float] = []
    for item in shown:
        match = TITLE.search(item["text"])
        if match is not None and int(match.group(1)) in published:
            sent_ms = published.pop(int(match.group(1))) * 1000.0
            delays.append(item["shown_ms"] - sent_ms)
            in_document.append(item["dom_ms"] - sent_ms)
    received_line = next((x for x in out.decode().splitlines() if x.startswith("RECEIVED ")), "")
    arrivals: list[float] = []
    for item in json.loads(received_line.removeprefix("RECEIVED ") or "[]"):
        match = TITLE.search(item["text"])
        if match is not None and int(match.group(1)) in sent:
            arrivals.append(item["received_ms"] - sent[int(match.group(1))] * 1000.0)
    if arrivals:
        print(
            f"alert frame at the browser's socket: p50 {statistics.median(arrivals):.0f} ms, "
            f"p95 {_percentile(arrivals, 0.95):.0f} ms ({len(arrivals)})"
        )
    if published:
        raise RuntimeError(f"{len(published)} alerts never shown: {sorted(published)[:10]}")
    print(
        f"alert in the document (before its frame is painted): "
        f"p50 {statistics.median(in_document):.0f} ms, p95 {_percentile(in_document, 0.95):.0f} ms"
    )
    return delays


def bench_rows() -> list[BenchRow]:
    if shutil.which("node") is None or not CHROMIUM.is_file():
        raise SystemExit("needs node and Chromium (see tests/e2e)")
    with tempfile.TemporaryDirectory() as tmp:
        delays = asyncio.run(_run(Path(tmp)))
    p50 = statistics.median(delays)
    p95 = _percentile(delays, 0.95)
    note = f"{len(delays)} alerts, incident message published → banner painted, headless Chromium"
    print(f"alert → on screen: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(delays):.0f} ms")
    print(f"goal p95 ≤ {GOAL_MS:.0f} ms: {'met' if p95 <= GOAL_MS else 'NOT met'}")
    return [
        BenchRow("alert_browser", "alert → on screen p50", p50, "ms", note),
        BenchRow("alert_browser", "alert → on screen p95", p95, "ms", note),
        BenchRow("alert_browser", "alert → on screen max", max(delays), "ms", note),
    ]


if __name__ == "__main__":
    main_for(bench_rows)
