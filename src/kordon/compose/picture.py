"""The site picture (fusion) and the sensors that feed it besides the cameras: ground
sensors, radars and drone cameras need it, and the build says so when it is off."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kordon.bus.inprocess import InProcessBus
from kordon.config.integrations import AsterixRadar, GroundSensor
from kordon.config.models import SiteConfig
from kordon.domain.event import Event
from kordon.fusion.sensors import SensorKind, SensorSpec
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.geoexport import TrackBook
from kordon.lifecycle import Service
from kordon.node_errors import NodeBuildError
from kordon.sensors.asterix.service import AsterixRadarService, rate_limit
from kordon.site.picture import SitePicture
from kordon.wiring.drone_video import drone_video_specs
from kordon.wiring.site_picture import site_picture


@dataclass(frozen=True)
class PictureParts:
    """The site picture with its track book (none without fusion), and the ground sensors
    and radars of the site (wired after the cameras)."""

    ground: list[GroundSensor]
    radars: list[AsterixRadar]
    picture: SitePicture | None
    track_book: TrackBook | None

    @property
    def services(self) -> list[Service]:
        """The track book first: started before the picture, so the exports have every
        step's tracks."""
        if self.picture is None or self.track_book is None:
            return []
        return [self.track_book, self.picture]


def picture_parts(
    config: SiteConfig,
    geometry: SiteGeometry,
    bus: InProcessBus,
    *,
    ingest: Callable[[Event], None],
    snapshot: Callable[[Event], None],
) -> PictureParts:
    """The site picture when ``fusion.enabled``; a site with sensors that need it and
    fusion off is refused (``NodeBuildError``)."""
    ground = [s for s in config.sensors if isinstance(s, GroundSensor)]
    radars = AsterixRadarService.radars(config.sensors)
    fused = config.fusion.enabled
    if ground and not fused:
        raise NodeBuildError(
            "ground sensors report areas, not tracks: they need the site picture "
            "(fusion.enabled: true)"
        )
    if radars and not fused:
        raise NodeBuildError(
            "radars report plots, not site tracks: they need the site picture "
            "(fusion.enabled: true)"
        )
    drone_cameras = drone_video_specs(config)
    if drone_cameras and not fused:
        raise NodeBuildError(
            "drone cameras report geolocated detections, not site tracks: they need the site "
            "picture (fusion.enabled: true)"
        )
    if not fused:
        return PictureParts(ground=ground, radars=radars, picture=None, track_book=None)
    track_book = TrackBook(bus)
    picture = site_picture(
        config,
        geometry,
        bus,
        ingest=ingest,
        snapshot=snapshot,
        extra_sensors=[
            SensorSpec(
                s.id,
                SensorKind.GROUND,
                max_rate_hz=s.max_alarm_rate_hz,
                burst=float(s.alarm_burst),
            )
            for s in ground
        ]
        + [
            SensorSpec(
                r.id,
                SensorKind.RADAR,
                max_rate_hz=r.max_plots_per_s,
                burst=float(rate_limit(r).burst),
            )
            for r in radars
        ]
        + drone_cameras,
    )
    return PictureParts(ground=ground, radars=radars, picture=picture, track_book=track_book)
