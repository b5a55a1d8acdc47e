"""Shared building blocks of the configuration models: strict base, ids, points."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.fields import ComputedFieldInfo, FieldInfo

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
MAX_PIXEL = 100_000.0


def _title(name: str, _info: FieldInfo | ComputedFieldInfo) -> str:
    return name.replace("_", " ").capitalize()


class StrictModel(BaseModel):
    """Base of every config model: unknown keys are errors and values are immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        field_title_generator=_title,
    )


def _check_slug(value: str) -> str:
    if not re.match(SLUG_PATTERN, value):
        raise ValueError(
            f"{value!r} is not a valid id: use 1-63 lowercase letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return value


Slug = Annotated[
    str,
    AfterValidator(_check_slug),
    Field(
        min_length=1,
        max_length=63,
        json_schema_extra={"pattern": SLUG_PATTERN},
        examples=["cam-1"],
    ),
]
"""A short identifier: lowercase letters, digits, ``-`` and ``_``."""

Name = Annotated[str, Field(min_length=1, max_length=200)]


def _check_lon_lat(point: tuple[float, float]) -> tuple[float, float]:
    lon, lat = point
    if not -180.0 <= lon <= 180.0:
        raise ValueError(f"longitude {lon} is outside [-180, 180] (points are [lon, lat])")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude {lat} is outside [-90, 90] (points are [lon, lat])")
    return point


LonLat = Annotated[tuple[float, float], AfterValidator(_check_lon_lat)]
"""A WGS84 point as ``[lon, lat]`` in degrees (GeoJSON order)."""

Latitude = Annotated[float, Field(ge=-90.0, le=90.0)]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0)]

PixelCoord = Annotated[float, Field(ge=0.0, le=MAX_PIXEL)]
PixelPoint = tuple[PixelCoord, PixelCoord]
"""An image point ``[x, y]`` in pixels, origin top-left."""

DEFAULT_CLASSES: tuple[str, ...] = (
    "person",
    "car",
    "truck",
    "bus",
    "motorcycle",
    "bicycle",
    "boat",
)
ClassName = Annotated[str, Field(min_length=1, max_length=64)]
