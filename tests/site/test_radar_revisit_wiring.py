"""The node's site picture gives each configured radar its antenna period as the tracker's
revisit interval, so radar-only tracks wait a turn for the next look."""

from __future__ import annotations

from pathlib import Path

from kordon.bus.inprocess import InProcessBus
from kordon.config.integrations import AsterixRadar
from kordon.config.loader import load_site
from kordon.domain.event import Event
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.site_geometry import SiteGeometry
from kordon.wiring.site_picture import site_picture


def _ignore(_event: Event) -> None:
    return None


def test_radar_specs_get_the_configured_rotation_period(repo_root: Path) -> None:
    config = load_site(repo_root / "examples" / "volyn" / "site.yaml")
    radar = next(s for s in config.sensors if isinstance(s, AsterixRadar))
    picture = site_picture(
        config,
        SiteGeometry.from_config(config),
        InProcessBus(),
        ingest=_ignore,
        snapshot=_ignore,
        extra_sensors=[
            SensorSpec(radar.id, SensorKind.RADAR),
            SensorSpec("ugs-1", SensorKind.GROUND),
            SensorSpec("radar-2", SensorKind.RADAR, revisit_s=6.0),  # given: kept
        ],
    )
    registry = picture.core.tracker.registry
    revisits = dict(zip(registry.ids, registry.revisit_s.tolist(), strict=True))
    assert revisits[radar.id] == radar.rotation_period_s
    assert revisits["ugs-1"] == 0.0
    assert revisits["radar-2"] == 6.0
    cameras = [c.id for c in config.cameras if c.enabled]
    assert cameras
    assert all(revisits[c] == 0.0 for c in cameras)
