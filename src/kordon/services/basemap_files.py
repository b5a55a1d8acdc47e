"""``BasemapFiles``: vector tiles from an MBTiles file and glyph PBFs from a folder.

Implements the API's ``BasemapSource``. Both are read-only: the MBTiles file is opened
read-only per request (cheap, and safe from any thread); glyph files are looked up by
exact fontstack name among the folders that exist, so a request can never name a path.
"""

from __future__ import annotations

import re
import sqlite3
from importlib import resources
from pathlib import Path

from kordon.api.providers import GeoJson
from kordon.domain.errors import KordonError
from kordon.services.site_view import load_basemap_style

MAX_ZOOM = 22
"""Deepest zoom a tile may be asked for (web maps stop well before)."""

GLYPH_RANGE = 256
"""Glyph PBFs hold 256 code points each: ``{first}-{first + 255}.pbf``."""

MAX_CODE_POINT = 65_535
"""MapLibre asks glyph ranges of the Basic Multilingual Plane only."""

STYLES = {"dark": "style.json", "light": "style-light.json"}
"""Themes of the shipped styles: a dark operations room, daylight."""

_FONT_NAME = re.compile(r"^[A-Za-z0-9 _-]{1,64}$")


class BasemapError(KordonError):
    """The basemap files are missing or not what they should be."""


class BasemapFiles:
    """Tiles of one MBTiles file (TMS rows, as the MBTiles spec stores them) and glyphs."""

    def __init__(self, tiles: Path, glyphs: Path) -> None:
        """Cheap: nothing is opened until :meth:`check` or the first request."""
        self._tiles = tiles
        self._glyphs = glyphs
        self._styles: dict[str, GeoJson] = {}

    @property
    def tiles_path(self) -> Path:
        return self._tiles

    def style(self, theme: str) -> GeoJson | None:
        """The shipped style of ``theme`` (sources inlined); ``None`` for an unknown theme."""
        name = STYLES.get(theme)
        if name is None:
            return None
        cached = self._styles.get(theme)
        if cached is None:
            cached = self._styles[theme] = load_basemap_style(name)
        return cached

    def check(self) -> None:
        """Raise :class:`BasemapError` unless the tiles file is a readable MBTiles database."""
        if not self._tiles.is_file():
            raise BasemapError(f"basemap tiles {self._tiles}: no such file")
        try:
            with self._connect() as db:
                db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 1")
        except sqlite3.Error as exc:
            raise BasemapError(
                f"basemap tiles {self._tiles}: not an MBTiles file ({exc})"
            ) from None

    def _connect(self) -> sqlite3.Connection:
        uri = f"{self._tiles.resolve().as_uri()}?mode=ro"
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The stored bytes of XYZ tile ``z/x/y`` (as stored: gzip MVT), or ``None``.

        ``ValueError`` when the address lies outside zoom ``z``'s grid.
        """
        if not 0 <= z <= MAX_ZOOM:
            raise ValueError(f"zoom {z} outside 0..{MAX_ZOOM}")
        size = 1 << z
        if not (0 <= x < size and 0 <= y < size):
            raise ValueError(f"tile {z}/{x}/{y}: x and y must lie in 0..{size - 1} at zoom {z}")
        tms_row = size - 1 - y
        try:
            db = self._connect()
        except sqlite3.Error as exc:
            raise BasemapError(f"basemap tiles {self._tiles}: {exc}") from None
        try:
            row = db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                "AND tile_row = ?",
                (z, x, tms_row),
            ).fetchone()
        except sqlite3.Error as exc:
            raise BasemapError(f"basemap tiles {self._tiles}: {exc}") from None
        finally:
            db.close()
        if row is None or row[0] is None:
            return None
        return bytes(row[0])

    def fontstacks(self) -> list[str]:
        """Names of the fonts shipped (one folder each)."""
        if not self._glyphs.is_dir():
            return []
        return sorted(p.name for p in self._glyphs.iterdir() if p.is_dir())

    def glyphs(self, fontstack: str, first: int) -> bytes | None:
        """The glyph PBF of code points ``first..first + 255`` of the first known font of
        the comma-separated ``fontstack``; ``b""`` (no glyphs) for a range not shipped;
        ``None`` when no font of the stack is known. ``ValueError`` for a bad range."""
        if first < 0 or first > MAX_CODE_POINT or first % GLYPH_RANGE:
            raise ValueError(
                f"glyph range must start at a multiple of 256 up to 65280, got {first}"
            )
        known = set(self.fontstacks())
        for name in (part.strip() for part in fontstack.split(",")):
            if not _FONT_NAME.match(name) or name not in known:
                continue
            path = self._glyphs / name / f"{first}-{first + GLYPH_RANGE - 1}.pbf"
            return path.read_bytes() if path.is_file() else b""
        return None


SHIPPED_TILES = "volyn_osm.mbtiles"


def shipped_basemap_dir() -> Path:
    """The basemap folder inside the installed package (tiles, glyphs, licences)."""
    return Path(str(resources.files("kordon.data").joinpath("basemap")))


def basemap_files(tiles: Path | None) -> BasemapFiles:
    """The site's own MBTiles file (``basemap.tiles``) or the shipped one, with the
    shipped glyphs."""
    folder = shipped_basemap_dir()
    return BasemapFiles(tiles if tiles is not None else folder / SHIPPED_TILES, folder / "glyphs")
