"""Fixtures of the report tests: a SQLite-only store for tests about rendering, where the
database backend does not matter (the facts themselves are tested on both backends)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kordon.store import Store, sqlite_url


@pytest.fixture
def sqlite_store(sqlite_migrated: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "kordon.db"
    shutil.copyfile(sqlite_migrated, path)
    with Store(sqlite_url(path)) as store:
        yield store
