"""``/api/basemap/*``: MBTiles tiles (XYZ over TMS rows) and glyphs, read-only and bounded."""

from __future__ import annotations

import gzip
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from kordon.api.app import create_api
from kordon.services.basemap_files import BasemapFiles, basemap_files, shipped_basemap_dir
from tests.api.conftest import TestClient, login
from tests.api.fakes import Site

# The shipped Volyn extract has z8 tiles around the border; x=145, XYZ y=85 is one of them.
Z, X, Y = 8, 145, 85


def _tms(z: int, y: int) -> int:
    return (1 << z) - 1 - y


def _stored(z: int, x: int, y: int) -> bytes:
    path = shipped_basemap_dir() / "volyn_osm.mbtiles"
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
            (z, x, _tms(z, y)),
        ).fetchone()
    assert row is not None, "the fixture tile must exist in the shipped file"
    return bytes(row[0])


def test_a_tile_is_served_gzip_with_the_row_flipped(client: TestClient) -> None:
    login(client, "admin")
    response = client.get(f"/api/basemap/tiles/{Z}/{X}/{Y}.pbf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-protobuf"
    assert response.headers["content-encoding"] == "gzip"
    # httpx decodes Content-Encoding: the body is the stored tile, un-gzipped.
    assert response.content == gzip.decompress(_stored(Z, X, Y))


def test_the_unflipped_row_is_not_served() -> None:
    # Only the TMS row holds this tile: asking the XYZ address of its mirror gets nothing.
    files = basemap_files(None)
    assert files.tile(Z, X, Y) == _stored(Z, X, Y)
    assert files.tile(Z, X, _tms(Z, Y)) is None


def test_a_missing_tile_is_204_and_outside_the_grid_is_404(client: TestClient) -> None:
    login(client, "admin")
    assert client.get("/api/basemap/tiles/14/0/0.pbf").status_code == 204
    outside = client.get("/api/basemap/tiles/3/8/0.pbf")
    assert outside.status_code == 404
    assert "0..7" in outside.json()["detail"]
    assert client.get("/api/basemap/tiles/23/0/0.pbf").status_code == 422
    assert client.get("/api/basemap/tiles/1/-1/0.pbf").status_code == 422


def test_tiles_need_a_session(client: TestClient) -> None:
    assert client.get(f"/api/basemap/tiles/{Z}/{X}/{Y}.pbf").status_code == 401


def test_glyphs_of_a_shipped_font_and_range(client: TestClient) -> None:
    login(client, "admin")
    ok = client.get("/api/basemap/glyphs/Noto Sans Regular/1024-1279.pbf")
    assert ok.status_code == 200
    font = shipped_basemap_dir() / "glyphs" / "Noto Sans Regular" / "1024-1279.pbf"
    assert ok.content == font.read_bytes()
    # A font stack takes its first known font; an unshipped range of a known font is empty.
    stack = client.get("/api/basemap/glyphs/Nope,Noto Sans Medium/0-255.pbf")
    assert stack.status_code == 200
    assert len(stack.content) > 1000
    empty = client.get("/api/basemap/glyphs/Noto Sans Regular/19968-20223.pbf")
    assert (empty.status_code, empty.content) == (200, b"")
    assert client.get("/api/basemap/glyphs/Arial/0-255.pbf").status_code == 404
    assert client.get("/api/basemap/glyphs/Noto Sans Regular/0-511.pbf").status_code == 404
    assert client.get("/api/basemap/glyphs/Noto Sans Regular/100-355.pbf").status_code == 404


def test_no_basemap_is_404(site: Site) -> None:
    app = create_api(replace(site.context, basemap=None))
    with TestClient(app, base_url="http://testserver") as c:
        login(c, "admin")
        assert c.get(f"/api/basemap/tiles/{Z}/{X}/{Y}.pbf").status_code == 404


def test_a_site_names_its_own_mbtiles(tmp_path: Path) -> None:
    path = tmp_path / "own.mbtiles"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE tiles (zoom_level, tile_column, tile_row, tile_data BLOB)")
        db.execute("INSERT INTO tiles VALUES (1, 1, 1, ?)", (b"plain",))
    db.close()
    files = BasemapFiles(path, tmp_path)
    files.check()
    assert files.tile(1, 1, 0) == b"plain"
    assert files.tile(1, 1, 1) is None


@pytest.mark.parametrize(
    "fontstack",
    [
        "..",
        "../glyphs/Noto Sans Regular",
        "Noto Sans Regular/../..",
        "/etc",
        "Noto Sans Regular\x00",
    ],
)
def test_glyph_fontstacks_cannot_name_a_path(tmp_path: Path, fontstack: str) -> None:
    glyphs = tmp_path / "glyphs"
    (glyphs / "Noto Sans Regular").mkdir(parents=True)
    (glyphs / "Noto Sans Regular" / "0-255.pbf").write_bytes(b"ok")
    (tmp_path / "0-255.pbf").write_bytes(b"secret")
    files = BasemapFiles(tmp_path / "none.mbtiles", glyphs)
    assert files.glyphs("Noto Sans Regular", 0) == b"ok"
    assert files.glyphs(fontstack, 0) is None


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_styles_draw_the_osm_tiles_with_local_glyphs(client: TestClient, theme: str) -> None:
    login(client, "admin")
    response = client.get(f"/api/basemap/styles/{theme}.json")
    assert response.status_code == 200, response.text
    style = response.json()
    assert style["glyphs"] == "/api/basemap/glyphs/{fontstack}/{range}.pbf"
    assert style["sources"]["osm"]["tiles"] == ["/api/basemap/tiles/{z}/{x}/{y}.pbf"]
    assert "OpenStreetMap" in style["sources"]["osm"]["attribution"]
    assert style["sources"]["countries"]["data"]["type"] == "FeatureCollection"  # inlined
    fonts = {f for layer in style["layers"] for f in layer.get("layout", {}).get("text-font", [])}
    shipped = set(basemap_files(None).fontstacks())
    assert fonts
    assert fonts <= shipped
    source_layers = {layer.get("source-layer") for layer in style["layers"]}
    for wanted in ("place", "transportation", "water", "waterway", "landcover", "boundary"):
        assert wanted in source_layers, wanted
    assert client.get("/api/basemap/styles/sepia.json").status_code == 422
