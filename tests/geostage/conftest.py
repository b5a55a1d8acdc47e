"""Fixtures: the Volyn example site (in the repository) and its geometry, built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kordon.config.loader import load_site
from kordon.config.site import SiteConfig
from kordon.geo.site_geometry import SiteGeometry


@pytest.fixture(scope="session")
def volyn_path(repo_root: Path) -> Path:
    return repo_root / "examples" / "volyn" / "site.yaml"


@pytest.fixture(scope="session")
def volyn(volyn_path: Path) -> SiteConfig:
    return load_site(volyn_path)


@pytest.fixture(scope="session")
def volyn_geometry(volyn: SiteConfig) -> SiteGeometry:
    geometry = SiteGeometry.from_config(volyn)
    geometry.build_indexes()
    return geometry
