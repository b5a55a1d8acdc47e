"""Site geography: state borders, sectors of responsibility and zones."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from kordon.config.common import LonLat, Name, Slug, StrictModel

CountryCode = Annotated[
    str,
    Field(pattern=r"^[A-Z]{2,3}$", examples=["UA", "BY"]),
]


class KmClip(StrictModel):
    """Take the stretch between two distances along the line (from its first vertex)."""

    kind: Literal["km"] = Field(description="Clip by distance along the line.")
    from_km: float = Field(ge=0.0, le=20_000.0, description="Start of the stretch, km.")
    to_km: float = Field(gt=0.0, le=20_000.0, description="End of the stretch, km.")

    @model_validator(mode="after")
    def _ordered(self) -> KmClip:
        if self.to_km <= self.from_km:
            raise ValueError(f"to_km ({self.to_km}) must be greater than from_km ({self.from_km})")
        return self


class BBoxClip(StrictModel):
    """Take the part of the line inside a lon/lat box; it must be one connected stretch."""

    kind: Literal["bbox"] = Field(description="Clip by a longitude/latitude box.")
    min_lon: float = Field(ge=-180.0, le=180.0, description="West edge, degrees.")
    min_lat: float = Field(ge=-90.0, le=90.0, description="South edge, degrees.")
    max_lon: float = Field(ge=-180.0, le=180.0, description="East edge, degrees.")
    max_lat: float = Field(ge=-90.0, le=90.0, description="North edge, degrees.")

    @model_validator(mode="after")
    def _ordered(self) -> BBoxClip:
        if self.max_lon <= self.min_lon or self.max_lat <= self.min_lat:
            raise ValueError("bbox needs min_lon < max_lon and min_lat < max_lat")
        return self


Clip = Annotated[KmClip | BBoxClip, Field(discriminator="kind")]


class Sides(StrictModel):
    """Which country lies on each side of the line, looking along its digitisation."""

    left: CountryCode = Field(description="Country code left of the line direction.")
    right: CountryCode = Field(description="Country code right of the line direction.")

    @model_validator(mode="after")
    def _distinct(self) -> Sides:
        if self.left == self.right:
            raise ValueError(f"left and right must differ, both are {self.left!r}")
        return self


class BorderConfig(StrictModel):
    """A state border line: from a GeoJSON file or inline coordinates."""

    id: Slug = Field(description="Unique border id, referenced by sectors and zones.")
    name: Name = Field(description="Human-readable name.")
    geometry_file: Path | None = Field(
        default=None,
        description="GeoJSON file (LineString or MultiLineString Feature), relative to the "
        "site file: a regular file of at most 64 MiB. Exactly one of geometry_file and "
        "coordinates.",
    )
    coordinates: list[LonLat] | None = Field(
        default=None,
        min_length=2,
        max_length=100_000,
        description="Inline line as [[lon, lat], ...]. Exactly one of geometry_file and "
        "coordinates.",
    )
    clip: Clip | None = Field(
        default=None, description="Optional: use only a stretch of the line (km range or bbox)."
    )
    sides: Sides = Field(description="Country codes left and right of the line direction.")
    home_side: CountryCode = Field(
        description="The country this site protects; one of the side codes."
    )
    km_origin: Literal["start", "end"] = Field(
        default="start",
        description="Which end of the (clipped) line is km 0 for sectors: 'start' is the "
        "first vertex in digitisation order.",
    )

    @model_validator(mode="after")
    def _one_geometry(self) -> BorderConfig:
        if (self.geometry_file is None) == (self.coordinates is None):
            raise ValueError("give exactly one of 'geometry_file' or 'coordinates'")
        return self


class SectorConfig(StrictModel):
    """An area of responsibility: a km range of a border, or a polygon."""

    id: Slug = Field(description="Unique sector id, referenced by cameras and user scopes.")
    name: Name = Field(description="Human-readable name.")
    unit: Name = Field(description="Responsible unit (e.g. border detachment).")
    border: Slug | None = Field(
        default=None, description="Border id; with from_km and to_km, defines the sector."
    )
    from_km: float | None = Field(
        default=None, ge=0.0, le=20_000.0, description="Start km post on the border."
    )
    to_km: float | None = Field(
        default=None, gt=0.0, le=20_000.0, description="End km post on the border."
    )
    polygon: list[LonLat] | None = Field(
        default=None,
        min_length=3,
        max_length=10_000,
        description="Alternative to border/from_km/to_km: an area as [[lon, lat], ...].",
    )
    single_sensor_min_confidence: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Crossings of tracks seen by one sensor only whose confidence is below "
        "this wait for a second sensor before they alert (overrides "
        "fusion.corroboration.single_sensor_min_confidence for this sector).",
    )

    @model_validator(mode="after")
    def _one_shape(self) -> SectorConfig:
        by_km = (self.border, self.from_km, self.to_km)
        if self.polygon is not None:
            if any(v is not None for v in by_km):
                raise ValueError(
                    "give either 'polygon' or 'border' + 'from_km' + 'to_km', not both"
                )
            return self
        if any(v is None for v in by_km):
            raise ValueError("a sector needs either 'border' + 'from_km' + 'to_km' or a 'polygon'")
        if self.to_km is not None and self.from_km is not None and self.to_km <= self.from_km:
            raise ValueError(f"to_km ({self.to_km}) must be greater than from_km ({self.from_km})")
        return self


class ZoneKind(StrEnum):
    """What a zone means operationally."""

    BORDER_STRIP = "border_strip"
    RESTRICTED = "restricted"
    CHECKPOINT = "checkpoint"
    APPROACH = "approach"
    OTHER = "other"


class BufferSpec(StrictModel):
    """A strip along a border on one side."""

    border: Slug = Field(description="Border id.")
    width_m: float = Field(gt=0.0, le=50_000.0, description="Strip width from the line, m.")
    side: Literal["home", "foreign"] = Field(description="Which side of the border.")


class ZoneConfig(StrictModel):
    """A named area: a polygon or a buffer along a border."""

    id: Slug = Field(description="Unique zone id.")
    name: Name = Field(description="Human-readable name.")
    kind: ZoneKind = Field(description="Operational meaning of the zone.")
    polygon: list[LonLat] | None = Field(
        default=None,
        min_length=3,
        max_length=10_000,
        description="Area as [[lon, lat], ...]. Exactly one of polygon and buffer.",
    )
    buffer: BufferSpec | None = Field(
        default=None, description="Strip along a border. Exactly one of polygon and buffer."
    )
    dwell_s: float | None = Field(
        default=None,
        gt=0.0,
        le=86_400.0,
        description="Raise a dwell event when a track stays this long; none: no dwell events.",
    )

    @model_validator(mode="after")
    def _one_shape(self) -> ZoneConfig:
        if (self.polygon is None) == (self.buffer is None):
            raise ValueError("give exactly one of 'polygon' or 'buffer'")
        return self
