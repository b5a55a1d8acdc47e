"""Fixtures of the recorder tests: small H.264 files made once per session, a repository.

``repository`` keeps its rows in the shared ``store`` (``tests/conftest.py``), so the
recording tests run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kordon.record.repository import RecordingRepository
from kordon.store import Store
from tests.record.media import make_h264


@pytest.fixture(scope="session")
def h264_ts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 s, 320x240, 10 fps, a keyframe every second, MPEG-TS."""
    return make_h264(tmp_path_factory.mktemp("media") / "cam.ts", seconds=6.0)


@pytest.fixture(scope="session")
def h264_no_keyframes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 s with only the first frame a keyframe (GOP longer than the file)."""
    return make_h264(tmp_path_factory.mktemp("media") / "nokey.ts", seconds=8.0, gop=1000)


@pytest.fixture
def repository(store: Store) -> RecordingRepository:
    """Recording rows in the test's migrated, empty database (``store_url``)."""
    return RecordingRepository.on_sessions(store.sessions)
