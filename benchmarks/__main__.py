"""Run every benchmark module in its own process; print a table; write JSON.

Each module runs in a child process so its peak memory (max RSS) is its own.
Usage: ``python -m benchmarks [NAME ...]`` (names from ``MODULES``).
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from benchmarks.common import REPO_ROOT

MODULES: dict[str, str] = {
    "geo": "benchmarks.bench_geo",
    "api": "benchmarks.bench_api",
    "video": "benchmarks.bench_video",
    "record": "benchmarks.bench_record",
    "alert": "benchmarks.bench_alert",
    "radar_alert": "benchmarks.bench_radar_alert",
    "evidence": "benchmarks.bench_evidence",
    "border": "benchmarks.bench_border_recall",
    "camera_hold": "benchmarks.bench_camera_hold",
    "fusion": "benchmarks.bench_fusion",
    "site": "benchmarks.bench_site",
    "asterix": "benchmarks.bench_asterix",
    "mavlink": "benchmarks.bench_mavlink",
    "reports": "benchmarks.bench_reports",
    "register": "benchmarks.bench_register",
    "link": "benchmarks.bench_link",
    "drone_geo": "benchmarks.bench_drone_geo",
    "cot": "benchmarks.bench_cot",
    "live_video": "benchmarks.bench_live_video",
    "alert_browser": "benchmarks.bench_alert_browser",
}


def _run_module(module: str) -> tuple[list[dict[str, object]], float, str]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate()
    wall_s = time.perf_counter() - t0
    if proc.returncode != 0:
        return [], wall_s, err.strip().splitlines()[-1] if err.strip() else "failed"
    lines = [line for line in out.splitlines() if line.startswith("[")]
    rows: list[dict[str, object]] = json.loads(lines[-1]) if lines else []
    return rows, wall_s, ""


def main(argv: list[str]) -> int:
    names = argv or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; valid: {sorted(MODULES)}", file=sys.stderr)
        return 2
    console = Console()
    table = Table(title="Kordon benchmarks")
    for col in ("bench", "figure", "value", "unit", "note"):
        table.add_column(col, overflow="fold")
    results: list[dict[str, object]] = []
    failed = False
    for name in names:
        console.print(f"[bold]running[/bold] {name} …")
        rows, wall_s, error = _run_module(MODULES[name])
        if error:
            failed = True
            table.add_row(name, "FAILED", "", "", error)
        for row in rows:
            results.append(row)
            table.add_row(
                str(row["bench"]),
                str(row["name"]),
                f"{float(str(row['value'])):,.3f}",
                str(row["unit"]),
                str(row.get("note", "")),
            )
        console.print(f"  {name}: {wall_s:.1f} s")
    console.print(table)
    out_dir = REPO_ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    doc = {
        "time": stamp,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "results": results,
    }
    for path in (out_dir / f"bench-{stamp}.json", out_dir / "latest.json"):
        path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    console.print(f"JSON written to {Path('benchmarks/results/latest.json')}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
