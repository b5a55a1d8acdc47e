"""``/api/basemap/*``: vector tiles and label glyphs of the offline basemap."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Response

from kordon.api.context import ApiContext
from kordon.api.deps import ContextDep
from kordon.api.providers import BasemapSource
from kordon.api.responses import responses

GeoJsonOut = dict[str, Any]
MAX_ZOOM = 22
MAX_INDEX = (1 << MAX_ZOOM) - 1
PBF = "application/x-protobuf"
CACHE = "private, max-age=86400"
GZIP_MAGIC = b"\x1f\x8b"


def _source(context: ApiContext) -> BasemapSource:
    if context.basemap is None:
        raise HTTPException(status_code=404, detail="this node serves no basemap tiles")
    return context.basemap


def router() -> APIRouter:
    r = APIRouter(tags=["site"])

    @r.get(
        "/api/basemap/styles/{theme}.json",
        summary="MapLibre style of the offline basemap: dark (operations room) or light",
        responses=responses(404),
    )
    def style(context: ContextDep, theme: Literal["dark", "light"]) -> GeoJsonOut:
        found = _source(context).style(theme)
        if found is None:
            raise HTTPException(status_code=404, detail=f"no basemap style {theme!r}")
        return found

    @r.get(
        "/api/basemap/tiles/{z}/{x}/{y}.pbf",
        response_class=Response,
        responses={
            200: {
                "content": {PBF: {}},
                "description": "The tile, a Mapbox Vector Tile (gzip: Content-Encoding)",
            },
            204: {"description": "No tile at this address (outside the basemap's coverage)"},
            **responses(404),
        },
        summary="A vector tile of the offline basemap (XYZ addressing)",
    )
    def tile(
        context: ContextDep,
        z: Annotated[int, Path(ge=0, le=MAX_ZOOM)],
        x: Annotated[int, Path(ge=0, le=MAX_INDEX)],
        y: Annotated[int, Path(ge=0, le=MAX_INDEX)],
    ) -> Response:
        source = _source(context)
        try:
            data = source.tile(z, x, y)
        except ValueError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        if data is None:
            return Response(status_code=204, headers={"Cache-Control": CACHE})
        headers = {"Cache-Control": CACHE}
        if data.startswith(GZIP_MAGIC):
            headers["Content-Encoding"] = "gzip"
        return Response(content=data, media_type=PBF, headers=headers)

    @r.get(
        "/api/basemap/glyphs/{fontstack}/{first}-{last}.pbf",
        response_class=Response,
        responses={
            200: {"content": {PBF: {}}, "description": "SDF glyphs of 256 code points"},
            **responses(404),
        },
        summary="Label glyphs of a font (MapLibre glyph ranges)",
    )
    def glyphs(
        context: ContextDep,
        fontstack: Annotated[str, Path(min_length=1, max_length=200)],
        first: Annotated[int, Path(ge=0, le=65_280)],
        last: Annotated[int, Path(ge=255, le=65_535)],
    ) -> Response:
        source = _source(context)
        if last != first + 255:
            raise HTTPException(
                status_code=404, detail=f"glyph range {first}-{last} must span 256 code points"
            )
        try:
            data = source.glyphs(fontstack, first)
        except ValueError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from exc
        if data is None:
            raise HTTPException(status_code=404, detail=f"unknown font {fontstack[:64]!r}")
        return Response(content=data, media_type=PBF, headers={"Cache-Control": CACHE})

    return r
