"""What every benchmark module shares: the row type and a stand-alone entry point."""

from __future__ import annotations

import json
import resource
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class BenchRow:
    """One measured figure: ``value`` in ``unit``; ``note`` says how it was measured."""

    bench: str
    name: str
    value: float
    unit: str
    note: str = ""


def shared_data_dir() -> Path | None:
    """``../shared/data`` when present (real footage is not part of the project)."""
    path = REPO_ROOT.parent / "shared" / "data"
    return path if path.is_dir() else None


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emit(rows: list[BenchRow]) -> None:
    """Write rows, plus this process's peak memory, as JSON on stdout for the harness."""
    bench = rows[0].bench if rows else "?"
    rows = [*rows, BenchRow(bench, "peak memory (max RSS)", peak_rss_mb(), "MB", "whole process")]
    json.dump([asdict(r) for r in rows], sys.stdout)
    sys.stdout.write("\n")


def main_for(run: Callable[[], list[BenchRow]]) -> None:
    emit(run())
