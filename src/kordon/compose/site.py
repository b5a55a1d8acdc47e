"""The site's geometry and basemap, checked when the node is built."""

from __future__ import annotations

from kordon.config.models import SiteConfig
from kordon.domain.errors import KordonError
from kordon.geo.site_geometry import SiteGeometry
from kordon.node_errors import NodeBuildError
from kordon.services.basemap_files import BasemapFiles, basemap_files


def site_geometry(config: SiteConfig) -> SiteGeometry:
    """The site's border, sectors and frame (a bad file stops the build, with the reason)."""
    try:
        return SiteGeometry.from_config(config)
    except KordonError as exc:
        raise NodeBuildError(str(exc)) from exc


def site_basemap(config: SiteConfig) -> BasemapFiles:
    """The site's own MBTiles file (``basemap.tiles``) or the shipped one, checked."""
    tiles = config.basemap.tiles
    basemap = basemap_files(config.resolve_path(tiles) if tiles is not None else None)
    try:
        basemap.check()
    except KordonError as exc:
        raise NodeBuildError(f"basemap.tiles: {exc}") from exc
    return basemap
