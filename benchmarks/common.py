"""What every benchmark module shares: the row type and a stand-alone entry point."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
"""The benchmarks' PostgreSQL (``KORDON_BENCH_POSTGRES_URL`` overrides it)."""


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
    """The peak resident memory so far of this process or of the largest of its children
    that have been waited for (worker processes of a benchmark); Linux reports KiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0


def emit(rows: list[BenchRow]) -> None:
    """Write rows, plus the peak memory of the largest process, as JSON on stdout."""
    bench = rows[0].bench if rows else "?"
    rows = [
        *rows,
        BenchRow(
            bench, "peak memory (max RSS)", peak_rss_mb(), "MB", "largest process (or worker)"
        ),
    ]
    json.dump([asdict(r) for r in rows], sys.stdout)
    sys.stdout.write("\n")


def main_for(run: Callable[[], list[BenchRow]]) -> None:
    emit(run())


@contextlib.contextmanager
def postgres_schema() -> Iterator[str | None]:
    """A fresh schema on the benchmarks' PostgreSQL (its URL), or ``None`` if none answers;
    dropped afterwards."""
    server_url = os.environ.get("KORDON_BENCH_POSTGRES_URL", POSTGRES_URL)
    schema = f"kordon_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except SQLAlchemyError:
        admin.dispose()
        yield None
        return
    url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
