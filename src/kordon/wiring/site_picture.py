"""The site picture of the node: every sensor fused, the site rules on the tracks."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from kordon.bus.inprocess import InProcessBus
from kordon.config.integrations import AsterixRadar
from kordon.config.models import SiteConfig
from kordon.domain.event import Event
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.site_geometry import SiteGeometry
from kordon.site.factory import site_picture_core
from kordon.site.picture import SitePicture


def site_picture(
    config: SiteConfig,
    geometry: SiteGeometry,
    bus: InProcessBus,
    *,
    ingest: Callable[[Event], None],
    snapshot: Callable[[Event], None],
    extra_sensors: Sequence[SensorSpec] = (),
) -> SitePicture:
    """The site tracker fed by every georeferenced camera and the other sensors."""
    specs = [SensorSpec(c.id, SensorKind.CAMERA) for c in config.cameras if c.enabled]
    specs += _with_revisits(config, extra_sensors)
    core = site_picture_core(
        geometry,
        specs,
        config.fusion,
        sector_thresholds={
            s.id: s.single_sensor_min_confidence
            for s in config.sectors
            if s.single_sensor_min_confidence is not None
        },
    )
    return SitePicture(core, bus, ingest=ingest, snapshot=snapshot)


def _with_revisits(config: SiteConfig, specs: Sequence[SensorSpec]) -> list[SensorSpec]:
    """``specs`` with each configured radar's antenna period as its revisit interval
    (where not given): the tracker then waits a turn for the radar to look again."""
    periods = {s.id: s.rotation_period_s for s in config.sensors if isinstance(s, AsterixRadar)}
    return [
        dataclasses.replace(s, revisit_s=periods[s.sensor_id])
        if s.kind is SensorKind.RADAR and s.revisit_s is None and s.sensor_id in periods
        else s
        for s in specs
    ]
