"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """``../shared`` beside the checkout, or ``$KORDON_SHARED`` when set."""
    return Path(os.environ.get("KORDON_SHARED", REPO_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; the test skips cleanly when a clone has no ``../shared``."""
    path = shared_dir() / "data"
    if not path.is_dir():
        pytest.skip(f"real test data not available: {path} does not exist")
    return path


@pytest.fixture(scope="session")
def vtest_avi(shared_data: Path) -> Path:
    path = shared_data / "vtest.avi"
    if not path.is_file():
        pytest.skip(f"{path} is missing")
    return path


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
