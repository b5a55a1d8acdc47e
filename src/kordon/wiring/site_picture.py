"""The site picture of the node: every sensor fused, the site rules on the tracks."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kordon.bus.inprocess import InProcessBus
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
    specs += extra_sensors
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
