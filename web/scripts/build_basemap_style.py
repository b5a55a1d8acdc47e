"""Write the offline basemap styles (dark operations room, light daylight) from one palette.

    python web/scripts/build_basemap_style.py src/kordon/data/basemap

Both styles draw the same layers: Natural Earth (coarse, everywhere) under OpenStreetMap
vector tiles (OpenMapTiles schema as tilemaker writes it: names in ``name:latin``) served
by the node at /api/basemap/tiles, labels with the node's glyphs, and country names from
``countries.geojson``. Each source's ``data`` naming a file is inlined by the API.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

Layer = dict[str, Any]

PALETTES: dict[str, dict[str, str]] = {
    "dark": {
        "background": "#0e1a24",
        "land": "#161c21",
        "forest": "#17271d",
        "grass": "#1a2220",
        "farmland": "#1a1f22",
        "wetland": "#17262a",
        "residential": "#262b31",
        "water": "#173a55",
        "waterway": "#27597a",
        "road_minor": "#363d44",
        "road_major": "#6b5a3a",
        "road_trunk": "#8a6d3b",
        "track": "#2e343a",
        "rail": "#7d7f86",
        "admin": "#5f6870",
        "label": "#c9d1d9",
        "label_minor": "#97a3ad",
        "label_halo": "#0b0f12",
        "water_label": "#6aa5cc",
        "country": "#e6edf3",
    },
    "light": {
        "background": "#a9cbe0",
        "land": "#f1efe8",
        "forest": "#cfe3c2",
        "grass": "#e2ecd3",
        "farmland": "#efeedd",
        "wetland": "#d5e6e1",
        "residential": "#e3ddd6",
        "water": "#9cc4de",
        "waterway": "#6ea6cc",
        "road_minor": "#ffffff",
        "road_major": "#f6cf7a",
        "road_trunk": "#ef9e4c",
        "track": "#c8bfae",
        "rail": "#6c6c73",
        "admin": "#8a7f9a",
        "label": "#1f2328",
        "label_minor": "#4a525a",
        "label_halo": "#ffffff",
        "water_label": "#2f6b94",
        "country": "#3a3f45",
    },
}

REGULAR = ["Noto Sans Regular"]
MEDIUM = ["Noto Sans Medium"]
ITALIC = ["Noto Sans Italic"]
NAME = ["get", "name:latin"]


def zoomed(*stops: float) -> list[Any]:
    return ["interpolate", ["linear"], ["zoom"], *stops]


def layers(c: dict[str, str]) -> list[Layer]:
    halo = {"text-halo-color": c["label_halo"], "text-halo-width": 1.4}
    omt = {"source": "osm"}
    road_classes = {
        "road_trunk": ["motorway", "trunk"],
        "road_major": ["primary", "secondary"],
        "road_minor": ["tertiary", "minor", "service"],
    }
    out: list[Layer] = [
        {"id": "background", "type": "background", "paint": {"background-color": c["background"]}},
        {"id": "ne-land", "type": "fill", "source": "land", "paint": {"fill-color": c["land"]}},
        {
            "id": "ne-rivers",
            "type": "line",
            "source": "rivers",
            "layout": {"line-join": "round", "line-cap": "round"},
            "paint": {"line-color": c["waterway"], "line-width": zoomed(4, 0.6, 10, 1.6)},
        },
        {"id": "ne-lakes", "type": "fill", "source": "lakes", "paint": {"fill-color": c["water"]}},
        {
            **omt,
            "id": "landcover-farmland",
            "type": "fill",
            "source-layer": "landcover",
            "filter": ["==", ["get", "class"], "farmland"],
            "paint": {"fill-color": c["farmland"]},
        },
        {
            **omt,
            "id": "landcover-grass",
            "type": "fill",
            "source-layer": "landcover",
            "filter": ["==", ["get", "class"], "grass"],
            "paint": {"fill-color": c["grass"]},
        },
        {
            **omt,
            "id": "landcover-wetland",
            "type": "fill",
            "source-layer": "landcover",
            "filter": ["==", ["get", "class"], "wetland"],
            "paint": {"fill-color": c["wetland"]},
        },
        {
            **omt,
            "id": "landcover-wetland-hatch",
            "type": "line",
            "source-layer": "landcover",
            "minzoom": 10,
            "filter": ["==", ["get", "class"], "wetland"],
            "paint": {"line-color": c["waterway"], "line-width": 0.6, "line-dasharray": [1, 3]},
        },
        {
            **omt,
            "id": "landcover-forest",
            "type": "fill",
            "source-layer": "landcover",
            "filter": ["==", ["get", "class"], "wood"],
            "paint": {"fill-color": c["forest"]},
        },
        {
            **omt,
            "id": "landuse-residential",
            "type": "fill",
            "source-layer": "landuse",
            "filter": ["in", ["get", "class"], ["literal", ["residential", "industrial"]]],
            "paint": {"fill-color": c["residential"]},
        },
        {
            **omt,
            "id": "water",
            "type": "fill",
            "source-layer": "water",
            "paint": {"fill-color": c["water"]},
        },
        {
            **omt,
            "id": "waterway-river",
            "type": "line",
            "source-layer": "waterway",
            "filter": ["in", ["get", "class"], ["literal", ["river", "canal"]]],
            "layout": {"line-join": "round", "line-cap": "round"},
            "paint": {"line-color": c["waterway"], "line-width": zoomed(8, 0.8, 14, 3)},
        },
        {
            **omt,
            "id": "waterway-stream",
            "type": "line",
            "source-layer": "waterway_detail",
            "minzoom": 12,
            "filter": ["in", ["get", "class"], ["literal", ["stream", "ditch", "drain"]]],
            "paint": {"line-color": c["waterway"], "line-width": 0.6, "line-opacity": 0.7},
        },
        {
            **omt,
            "id": "road-track",
            "type": "line",
            "source-layer": "transportation_detail",
            "minzoom": 13,
            "filter": ["in", ["get", "class"], ["literal", ["track", "path"]]],
            "paint": {"line-color": c["track"], "line-width": 0.8, "line-dasharray": [3, 2]},
        },
    ]
    for source_layer, minzoom in (
        ("transportation", 4),
        ("transportation_main", 9),
        ("transportation_mid", 11),
        ("transportation_detail", 13),
    ):
        for colour, classes in road_classes.items():
            width = {"road_trunk": 2.4, "road_major": 1.8, "road_minor": 1.0}[colour]
            out.append(
                {
                    **omt,
                    "id": f"road-{colour.removeprefix('road_')}-{source_layer}",
                    "type": "line",
                    "source-layer": source_layer,
                    "minzoom": minzoom,
                    "filter": ["in", ["get", "class"], ["literal", classes]],
                    "layout": {"line-join": "round", "line-cap": "round"},
                    "paint": {
                        "line-color": c[colour],
                        "line-width": zoomed(6, width * 0.4, 14, width * 2),
                    },
                }
            )
        out.append(
            {
                **omt,
                "id": f"rail-{source_layer}",
                "type": "line",
                "source-layer": source_layer,
                "minzoom": minzoom,
                "filter": ["==", ["get", "class"], "rail"],
                "paint": {
                    "line-color": c["rail"],
                    "line-width": zoomed(8, 1, 14, 2),
                    "line-dasharray": [4, 2],
                },
            }
        )
    out += [
        {
            "id": "ne-boundaries",
            "type": "line",
            "source": "boundaries",
            "layout": {"line-join": "round"},
            "paint": {"line-color": c["admin"], "line-width": 1, "line-dasharray": [3, 2]},
        },
        {
            **omt,
            "id": "boundary-admin",
            "type": "line",
            "source-layer": "boundary",
            "filter": ["<=", ["get", "admin_level"], 6],
            "paint": {
                "line-color": c["admin"],
                "line-width": ["case", ["<=", ["get", "admin_level"], 2], 1.6, 0.8],
                "line-dasharray": [4, 2],
            },
        },
        {
            **omt,
            "id": "water-name",
            "type": "symbol",
            "source-layer": "water_name",
            "layout": {"text-field": NAME, "text-font": ITALIC, "text-size": 11},
            "paint": {"text-color": c["water_label"], **halo},
        },
        {
            **omt,
            "id": "waterway-name",
            "type": "symbol",
            "source-layer": "waterway",
            "minzoom": 11,
            "filter": ["==", ["get", "class"], "river"],
            "layout": {
                "text-field": NAME,
                "text-font": ITALIC,
                "text-size": 11,
                "symbol-placement": "line",
            },
            "paint": {"text-color": c["water_label"], **halo},
        },
        {
            **omt,
            "id": "road-name",
            "type": "symbol",
            "source-layer": "transportation_name",
            "minzoom": 12,
            "layout": {
                "text-field": NAME,
                "text-font": REGULAR,
                "text-size": 10,
                "symbol-placement": "line",
            },
            "paint": {"text-color": c["label_minor"], **halo},
        },
        {
            **omt,
            "id": "place-village",
            "type": "symbol",
            "source-layer": "place",
            "minzoom": 10,
            "filter": ["in", ["get", "class"], ["literal", ["village", "hamlet", "suburb"]]],
            "layout": {
                "text-field": NAME,
                "text-font": REGULAR,
                "text-size": ["match", ["get", "class"], "village", 12, 10],
            },
            "paint": {"text-color": c["label_minor"], **halo},
        },
        {
            **omt,
            "id": "place-town",
            "type": "symbol",
            "source-layer": "place",
            "filter": ["in", ["get", "class"], ["literal", ["city", "town"]]],
            "layout": {"text-field": NAME, "text-font": MEDIUM, "text-size": 14},
            "paint": {"text-color": c["label"], **halo},
        },
        {
            "id": "country-name",
            "type": "symbol",
            "source": "countries",
            "layout": {
                "text-field": ["get", "name"],
                "text-font": MEDIUM,
                "text-size": zoomed(6, 12, 12, 18),
                "text-letter-spacing": 0.2,
                "text-transform": "uppercase",
                "text-allow-overlap": True,
            },
            "paint": {"text-color": c["country"], "text-opacity": 0.75, **halo},
        },
    ]
    return out


def style(theme: str) -> dict[str, Any]:
    return {
        "version": 8,
        "name": f"Kordon offline basemap ({theme})",
        "metadata": {
            "kordon:template": "A source's \"data\" naming a file beside this one is inlined "
            "by the API before serving. Written by web/scripts/build_basemap_style.py.",
        },
        "glyphs": "/api/basemap/glyphs/{fontstack}/{range}.pbf",
        "sources": {
            "land": {"type": "geojson", "data": "land.geojson", "attribution": "Natural Earth"},
            "lakes": {"type": "geojson", "data": "lakes.geojson"},
            "rivers": {"type": "geojson", "data": "rivers.geojson"},
            "boundaries": {"type": "geojson", "data": "boundaries.geojson"},
            "countries": {"type": "geojson", "data": "countries.geojson"},
            "osm": {
                "type": "vector",
                "tiles": ["/api/basemap/tiles/{z}/{x}/{y}.pbf"],
                "minzoom": 0,
                "maxzoom": 14,
                "attribution": "© OpenStreetMap contributors (ODbL)",
            },
        },
        "layers": layers(PALETTES[theme]),
    }


def main(folder: Path) -> None:
    for theme, name in (("dark", "style.json"), ("light", "style-light.json")):
        text = json.dumps(style(theme), indent=1, ensure_ascii=False) + "\n"
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
