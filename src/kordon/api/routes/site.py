"""``/api/site`` and ``/api/map/*``: the site and its map layers."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import JsonValue

from kordon.api.deps import ContextDep, CurrentUser
from kordon.api.schemas.site import SitePublic

GeoJsonOut = dict[str, Any]


def router() -> APIRouter:
    r = APIRouter(tags=["site"])

    @r.get("/api/site", response_model=SitePublic, summary="The site")
    def site(context: ContextDep) -> SitePublic:
        return SitePublic.of(context.map_layers.site())

    @r.get("/api/map/borders", summary="Borders (GeoJSON LineStrings)")
    def borders(context: ContextDep) -> GeoJsonOut:
        return context.map_layers.borders()

    @r.get("/api/map/km-posts", summary="Kilometre posts (GeoJSON Points)")
    def km_posts(
        context: ContextDep, every_km: Annotated[float, Query(gt=0.0, le=100.0)] = 1.0
    ) -> GeoJsonOut:
        return context.map_layers.km_posts(every_km)

    @r.get("/api/map/sectors", summary="The user's sectors (GeoJSON Polygons)")
    def sectors(context: ContextDep, user: CurrentUser) -> GeoJsonOut:
        layer = context.map_layers.sectors()
        features = layer.get("features")
        if not isinstance(features, list):
            return layer
        visible: list[JsonValue] = []
        for feature in features:
            props = feature.get("properties") if isinstance(feature, dict) else None
            sector_id = props.get("id") if isinstance(props, dict) else None
            if user.in_scope(sector_id if isinstance(sector_id, str) else None):
                visible.append(feature)
        return {**layer, "features": visible}

    @r.get("/api/map/zones", summary="Zones (GeoJSON Polygons)")
    def zones(context: ContextDep) -> GeoJsonOut:
        return context.map_layers.zones()

    @r.get("/api/map/sensors", summary="Ground sensors and their detection areas (GeoJSON)")
    def sensors(context: ContextDep) -> GeoJsonOut:
        return context.map_layers.sensors()

    @r.get("/api/map/basemap/style.json", summary="MapLibre style of the offline basemap")
    def basemap_style(context: ContextDep) -> GeoJsonOut:
        return context.map_layers.basemap_style()

    return r
