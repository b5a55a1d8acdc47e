"""``SiteConfig``: the whole site file."""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, PrivateAttr

from kordon.config.camera import CameraConfig
from kordon.config.common import Latitude, Longitude, Name, Slug, StrictModel
from kordon.config.edge import EdgeLinkConfig
from kordon.config.fusion import SiteFusionConfig
from kordon.config.geo import BorderConfig, SectorConfig, ZoneConfig
from kordon.config.incidents import IncidentsConfig
from kordon.config.integrations import NotifierConfig, SensorConfig
from kordon.config.storage import ApiConfig, LoggingConfig, StorageConfig


def _check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Kyiv' or 'UTC'"
        ) from None
    return name


TimeZoneName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_timezone)]


class Origin(StrictModel):
    """Origin of the site's local metric frame; pick a point near the middle of the site."""

    lat: Latitude = Field(description="Latitude, degrees.")
    lon: Longitude = Field(description="Longitude, degrees.")


class SiteInfo(StrictModel):
    """Identity and place of the site."""

    id: Slug = Field(description="Site id (slug), used in data paths and messages.")
    name: Name = Field(description="Human-readable site name.")
    origin: Origin = Field(description="Origin of the local metric frame.")
    data_dir: Path | None = Field(
        default=None,
        description="Where databases and recordings go, relative to the site file; "
        "none: var/<site id>.",
    )
    timezone: TimeZoneName = Field(
        default="UTC", description="IANA time zone for display and reports (storage is UTC)."
    )
    demo: bool = Field(
        default=False,
        description="A demonstration site: its equipment register starts with demo equipment "
        "under a fictional funding project, and its reports carry a DEMO DATA banner.",
    )


class BasemapConfig(StrictModel):
    """The operator map's offline basemap."""

    tiles: Path | None = Field(
        default=None,
        description="Vector tiles of the basemap: an MBTiles file (OpenMapTiles schema, "
        "gzip MVT), relative to the site file; none: the OpenStreetMap extract of the "
        "Volyn border area shipped with Kordon.",
    )


class SiteConfig(StrictModel):
    """A Kordon site: its borders, sectors, zones, cameras, sensors and services."""

    version: Literal[1] = Field(description="Site file format version; must be 1.")
    site: SiteInfo = Field(description="Identity and place of the site.")
    borders: list[BorderConfig] = Field(
        default_factory=list, max_length=100, description="State border lines."
    )
    sectors: list[SectorConfig] = Field(
        default_factory=list, max_length=1000, description="Areas of responsibility."
    )
    zones: list[ZoneConfig] = Field(
        default_factory=list, max_length=1000, description="Named areas (strips, restricted)."
    )
    cameras: list[CameraConfig] = Field(
        default_factory=list, max_length=1000, description="Cameras."
    )
    sensors: list[SensorConfig] = Field(
        default_factory=list, max_length=1000, description="Drones, ground sensors, radars."
    )
    notifiers: list[NotifierConfig] = Field(
        default_factory=list, max_length=100, description="Where events are sent."
    )
    storage: StorageConfig = Field(
        default_factory=StorageConfig, description="Database and retention."
    )
    incidents: IncidentsConfig = Field(
        default_factory=IncidentsConfig, description="Correlation of events into incidents; SLAs."
    )
    fusion: SiteFusionConfig = Field(
        default_factory=SiteFusionConfig,
        description="The site picture: sensors fused into site tracks, rules on them.",
    )
    api: ApiConfig = Field(default_factory=ApiConfig, description="HTTP API and web UI.")
    basemap: BasemapConfig = Field(
        default_factory=BasemapConfig, description="The operator map's offline basemap."
    )
    logging: LoggingConfig = Field(default_factory=LoggingConfig, description="Log output.")
    edge: EdgeLinkConfig | None = Field(
        default=None,
        description="This node is an outpost (role edge): it delivers its events, incidents "
        "and device status to a central server over MQTT; none: a standalone node.",
    )

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    def with_base_dir(self, base_dir: Path) -> SiteConfig:
        """A copy whose relative paths resolve against ``base_dir`` (the site file's folder)."""
        copy = self.model_copy()
        copy._base_dir = base_dir.resolve()
        return copy

    @property
    def base_dir(self) -> Path:
        """Folder relative paths in this file resolve against (the site file's folder)."""
        return self._base_dir

    def resolve_path(self, path: Path | str) -> Path:
        """``path`` made absolute relative to the site file's folder."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else self._base_dir / candidate

    def data_path(self) -> Path:
        """The data directory (databases, recordings); not created here."""
        return self.resolve_path(self.site.data_dir or Path("var") / self.site.id)

    def database_url(self) -> str:
        """The configured database URL, or SQLite at ``<data_dir>/kordon.db``."""
        if self.storage.database_url is not None:
            return self.storage.database_url
        return f"sqlite:///{(self.data_path() / 'kordon.db').as_posix()}"

    def camera(self, camera_id: str) -> CameraConfig:
        """The camera with this id; ``KeyError`` listing known ids otherwise."""
        for cam in self.cameras:
            if cam.id == camera_id:
                return cam
        known = ", ".join(c.id for c in self.cameras) or "none"
        raise KeyError(f"no camera {camera_id!r} in site {self.site.id!r} (known: {known})")
