"""A surveillance radar sending ASTERIX over UDP (docs/sensors.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from kordon.config.common import Latitude, Longitude, Name, Slug, StrictModel
from kordon.config.endpoints import Ipv4Address, MulticastGroup, Port


class AsterixRadar(StrictModel):
    """A surveillance radar sending ASTERIX over UDP (unicast or multicast).

    CAT048 plots and CAT062 tracks become observations in the site picture; CAT021 ADS-B
    reports (cooperative aircraft) are kept out of it and shown on the map apart; CAT034
    north markers tell the antenna is turning (docs/sensors.md).
    """

    kind: Literal["radar_asterix"] = Field(description="ASTERIX radar feed.")
    id: Slug = Field(description="Unique sensor id.")
    name: Name | None = Field(default=None, description="Human-readable name.")
    udp_port: Port = Field(description="UDP port to listen on.")
    bind_address: Ipv4Address = Field(
        default="0.0.0.0",
        description="Local IPv4 address to listen on (0.0.0.0: every interface).",
    )
    multicast_group: MulticastGroup | None = Field(
        default=None,
        description="IPv4 multicast group the radar sends to (joined on the bind_address "
        "interface, or the default one for 0.0.0.0); none: unicast.",
    )
    sac: int = Field(ge=0, le=255, description="System Area Code (I0xx/010) of this radar.")
    sic: int = Field(
        ge=0,
        le=255,
        description="System Identification Code (I0xx/010) of this radar; records of any "
        "other SAC/SIC on the port are ignored and counted.",
    )
    lat: Latitude = Field(description="Latitude of the antenna, degrees.")
    lon: Longitude = Field(description="Longitude of the antenna, degrees.")
    height_m: float = Field(
        default=0.0,
        ge=0.0,
        le=10_000.0,
        description="Height of the antenna above the ground it watches, m: the slant range "
        "of a plot is reduced to the range along the ground.",
    )
    north_offset_deg: float = Field(
        default=0.0,
        gt=-180.0,
        le=180.0,
        description="Angle from true north to the radar's azimuth 0, clockwise, degrees "
        "(its alignment): a plot at azimuth a lies at true bearing a + north_offset_deg.",
    )
    range_sigma_m: float = Field(
        default=15.0,
        gt=0.0,
        le=5_000.0,
        description="1-sigma range error of a plot, m (including the 7.2 m step of I048/040).",
    )
    azimuth_sigma_deg: float = Field(
        default=0.5,
        gt=0.0,
        le=20.0,
        description="1-sigma azimuth error of a plot, degrees.",
    )
    rotation_period_s: float = Field(
        default=4.0,
        ge=0.1,
        le=600.0,
        description="Expected antenna rotation period, s; with no data (plots or north "
        "markers) for 3 periods the radar is reported offline.",
    )
    max_plots_per_s: float = Field(
        default=500.0,
        gt=0.0,
        le=100_000.0,
        description="Plots and tracks accepted per second on average (one rotation's worth "
        "at once); more are dropped and counted, and the radar is degraded while it floods.",
    )
    confidence: float = Field(
        default=0.6, gt=0.0, le=1.0, description="Confidence given to its observations."
    )
    adsb_max_age_s: float = Field(
        default=60.0,
        ge=1.0,
        le=3_600.0,
        description="A cooperative aircraft (CAT021 ADS-B) this radar reported leaves the "
        "operator map when the radar has said nothing more of it for this long, s.",
    )
    simulated_world: Slug | None = Field(
        default=None,
        description="Demo and tests: a simulated radar at this position watches the people "
        "of this simulated camera's border scene and sends ASTERIX CAT048 plots and CAT034 "
        "north markers to udp_port on this node, and CAT021 ADS-B reports of two simulated "
        "aircraft crossing the sky over it.",
    )

    @model_validator(mode="after")
    def _check(self) -> AsterixRadar:
        if self.simulated_world is not None and self.multicast_group is not None:
            raise ValueError(
                f"radar {self.id!r}: a simulated radar sends unicast to this node; "
                "remove multicast_group or simulated_world"
            )
        return self
