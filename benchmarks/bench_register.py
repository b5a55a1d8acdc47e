"""Register benchmark: list/filter/search latency on 100,000 assets with 1 M history entries,
and the import of a 10,000-row CSV file (issue 16: p99 <= 100 ms; import <= 10 s).

Runs on SQLite (a temporary directory) and on PostgreSQL (``KORDON_BENCH_POSTGRES_URL``, else
``postgresql+psycopg://postgres@127.0.0.1:5432/test``; a fresh schema dropped afterwards;
skipped with a note when no server answers). The register is seeded with bulk inserts (3 donors,
10 categories, 3 sectors, every status; 10 history entries per asset), then each query runs
as the API runs it (``RegisterReader.page``: a page of 100 and the count of matches, up to
1,000), 200 times;
p50/p99 (wall clock) are reported, with the p50 of this process's CPU time per query (on a
loaded machine the wall clock mostly measures waiting for a core; on SQLite the CPU time is
the query's own cost, on PostgreSQL it leaves out the server's share). On PostgreSQL the
seeded tables get ``VACUUM ANALYZE``, as autovacuum gives them on a server after a bulk load
(statistics for the planner, the visibility map for index-only scans); SQLite gets nothing,
as Kordon runs no ``ANALYZE``. The import goes through ``import_assets`` (read, parse, check every
reference, one transaction, one ledger entry) into the full register, with a real ledger.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, insert, text

from benchmarks.common import BenchRow, main_for, postgres_schema
from kordon.api.audit_log import LedgerAuditLog
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.register.categories import Category
from kordon.register.importer import import_assets
from kordon.register.project import FundingProject
from kordon.register.reader import AssetFilter, RegisterReader
from kordon.register.scope import RegisterScope
from kordon.register.search import search_text
from kordon.register.service import RegisterService
from kordon.register.status import AssetStatus
from kordon.store import Store, sqlite_url
from kordon.store.models_register import (
    RegisterAssetRow,
    RegisterDeliveryRow,
    RegisterHistoryRow,
    RegisterLineRow,
)

N_ASSETS = 100_000
HISTORY_PER_ASSET = 10
N_IMPORT = 10_000
REPEATS = 200
T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SECTORS = ("s1", "s2", "s3")
DONORS = ("Donor A", "Donor B", "Donor C")
STATUSES = [
    (AssetStatus.IN_STORE, 30),
    (AssetStatus.DEPLOYED, 40),
    (AssetStatus.ISSUED, 25),
    (AssetStatus.UNDER_REPAIR, 3),
    (AssetStatus.LOST, 1),
    (AssetStatus.DESTROYED, 1),
]
CHUNK = 20_000
ASSETS = cast(Table, RegisterAssetRow.__table__)
HISTORY = cast(Table, RegisterHistoryRow.__table__)


def _seed(store: Store, service: RegisterService) -> None:
    rng = random.Random(16)
    for n, donor in enumerate(DONORS, start=1):
        service.create_project(
            FundingProject(
                id=f"P{n}",
                name=f"Project {n}",
                donor=donor,
                programme="Border",
                agreement_no=f"AG-{n}",
                amount_minor=20_000_000_00,
                currency="EUR",
                start_on=date(2025, 1, 1),
                end_on=date(2027, 12, 31),
                check_interval_days=90,
            ),
            actor="bench",
            time=T0,
        )
    lines = [
        {
            "id": f"L{p}-{c.value}",
            "project_id": f"P{p}",
            "category": c.value,
            "description": c.value,
            "quantity": N_ASSETS,
            "unit_cost_minor": 100_00,
            "currency": "EUR",
        }
        for p in range(1, 4)
        for c in Category
    ]
    deliveries = [
        {
            "id": f"D{p}",
            "project_id": f"P{p}",
            "delivered_on": date(2026, 1, 10),
            "received_by": "bench",
            "documents": [],
            "created_at": T0,
            "created_by": "bench",
        }
        for p in range(1, 4)
    ]
    statuses = [s for s, _ in STATUSES]
    weights = [w for _, w in STATUSES]
    categories = list(Category)
    with store.sessions.begin() as session:
        session.execute(insert(RegisterLineRow), lines)
        session.execute(insert(RegisterDeliveryRow), deliveries)
    for start in range(0, N_ASSETS, CHUNK):
        assets: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        for i in range(start, min(start + CHUNK, N_ASSETS)):
            p = 1 + i % 3
            category = categories[rng.randrange(len(categories))]
            status = rng.choices(statuses, weights)[0]
            deployed = status is AssetStatus.DEPLOYED
            asset_id = uuid.UUID(int=i).hex
            model, vendor = f"Model {rng.randrange(500)}", f"Vendor {rng.randrange(40)}"
            assets.append(
                {
                    "id": asset_id,
                    "serial": f"SN-{i:07d}",
                    "project_id": f"P{p}",
                    "line_id": f"L{p}-{category.value}",
                    "category": category.value,
                    "lot": f"LOT-{i // 1000}",
                    "model": model,
                    "vendor": vendor,
                    "warranty_until": None,
                    "delivery_id": f"D{p}",
                    "status": status.value,
                    "holder_id": None,
                    "sector_id": SECTORS[rng.randrange(3)] if deployed else None,
                    "outpost": "Outpost" if deployed else None,
                    "position": None,
                    "device_id": None,
                    "status_report": "report" if status.needs_report else None,
                    "search_text": search_text(f"SN-{i:07d}", model, vendor, f"LOT-{i // 1000}"),
                    "last_check_at": None,
                    "created_at": T0,
                    "updated_at": T0,
                    "version": 1,
                }
            )
            for k in range(HISTORY_PER_ASSET):
                history.append(
                    {
                        "asset_id": asset_id,
                        "time": T0 + timedelta(hours=k),
                        "recorded_at": T0 + timedelta(hours=k),
                        "actor": "bench",
                        "kind": "registered" if k == 0 else "checked",
                        "data": {"k": k},
                        "corrects": None,
                    }
                )
        # Core inserts (executemany): the ORM's bulk path is slower for a million rows
        with store.sessions.begin() as session:
            session.execute(insert(ASSETS), assets)
            session.execute(insert(HISTORY), history)


def _vacuum_analyze(store: Store) -> None:
    """What autovacuum does to freshly loaded tables on a PostgreSQL server."""
    if store.engine.dialect.name != "postgresql":
        return
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE register_assets, register_history"))


def _timed(fn: Callable[[], object]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each of ``REPEATS`` calls (after one warm-up)."""
    fn()  # warm
    wall, cpu = [], []
    for _ in range(REPEATS):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000.0)
        cpu.append((time.process_time() - c0) * 1000.0)
    return wall, cpu


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def _import_file(path: Path) -> None:
    lines = ["project,category,serial,model,vendor,unit_cost,currency,delivered_on,lot"]
    for i in range(N_IMPORT):
        category = list(Category)[i % 10].value
        lines.append(
            f"P1,{category},NEW-{i:06d},Model X,Vendor Y,1250.00,EUR,2026-05-01,L-{i // 500}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run() -> list[BenchRow]:
    rows: list[BenchRow] = []
    with tempfile.TemporaryDirectory(prefix="kordon-bench-register-") as folder:
        rows += _labelled(_run_on(Path(folder), sqlite_url(Path(folder) / "kordon.db")), "sqlite")
    with postgres_schema() as url:
        if url is None:
            rows.append(
                BenchRow("register", "postgresql", 0.0, "-", "skipped: no PostgreSQL server")
            )
        else:
            with tempfile.TemporaryDirectory(prefix="kordon-bench-register-pg-") as folder:
                rows += _labelled(_run_on(Path(folder), url), "postgresql")
    return rows


def _labelled(rows: list[BenchRow], backend: str) -> list[BenchRow]:
    return [replace(r, name=f"{backend}: {r.name}") for r in rows]


def _run_on(root: Path, url: str) -> list[BenchRow]:
    rows: list[BenchRow] = []
    with (
        Store(url) as store,
        Ledger(root / "ledger", Signer.generate()) as ledger,
    ):
        service = RegisterService(store.sessions, LedgerAuditLog(ledger))
        t0 = time.perf_counter()
        _seed(store, service)
        _vacuum_analyze(store)
        rows.append(
            BenchRow(
                "register",
                "seed 100,000 assets + 1 M history entries",
                time.perf_counter() - t0,
                "s",
                "bulk inserts, then VACUUM ANALYZE on PostgreSQL (setup, not a target)",
            )
        )
        reader = RegisterReader(store.sessions)
        everything = RegisterScope.everything()
        commander = RegisterScope(sectors=frozenset({"s2"}))
        donor = RegisterScope(donors=frozenset({"Donor B"}), donor_projects=frozenset({"P2"}))

        def page(scope: RegisterScope, where: AssetFilter, after: str | None = None) -> None:
            reader.page(scope, where, after=after, limit=100)

        cases: list[tuple[str, Callable[[], object]]] = [
            ("list first page", lambda: page(everything, AssetFilter())),
            (
                "list deep page (after SN-0099000)",
                lambda: page(everything, AssetFilter(), "SN-0099000"),
            ),
            (
                "filter status=lost",
                lambda: page(everything, AssetFilter(status=AssetStatus.LOST)),
            ),
            (
                "filter category+status+sector",
                lambda: page(
                    everything,
                    AssetFilter(
                        category=Category.DRONE, status=AssetStatus.DEPLOYED, sector_id="s1"
                    ),
                ),
            ),
            ("filter project", lambda: page(everything, AssetFilter(project_id="P2"))),
            ("commander scope (one sector)", lambda: page(commander, AssetFilter())),
            ("donor-auditor scope (one donor)", lambda: page(donor, AssetFilter())),
            ("search serial prefix", lambda: page(everything, AssetFilter(query="SN-00512"))),
            ("search model text", lambda: page(everything, AssetFilter(query="model 42"))),
            ("search no match (full scan)", lambda: page(everything, AssetFilter(query="zzz"))),
            ("asset with history", lambda: reader.view(everything, "SN-0054321")),
        ]
        worst = 0.0
        for name, fn in cases:
            samples, cpu = _timed(fn)
            p99 = _p99(samples)
            worst = max(worst, p99)
            rows.append(
                BenchRow(
                    "register",
                    f"{name} p99",
                    p99,
                    "ms",
                    f"p50 {statistics.median(samples):.1f} ms, "
                    f"CPU p50 {statistics.median(cpu):.1f} ms, {REPEATS} runs",
                )
            )
        rows.append(
            BenchRow(
                "register",
                "worst list/filter/search p99",
                worst,
                "ms",
                "target <= 100 ms",
            )
        )
        path = root / "import.csv"
        _import_file(path)
        t0 = time.perf_counter()
        result = import_assets(service, path, actor="bench", time=T0)
        elapsed = time.perf_counter() - t0
        assert result.assets == N_IMPORT
        rows.append(
            BenchRow(
                "register",
                "import 10,000 CSV rows",
                elapsed,
                "s",
                "into 100,000 assets; one transaction; target <= 10 s",
            )
        )
    return rows


if __name__ == "__main__":
    main_for(run)
