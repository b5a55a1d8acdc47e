"""The ``radar_asterix`` site-file entry: what it needs and the errors it gives."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from kordon.config.integrations import AsterixRadar
from kordon.sensors.asterix.service import rate_limit

BASE: dict[str, Any] = {
    "kind": "radar_asterix",
    "id": "radar-1",
    "udp_port": 8600,
    "sac": 25,
    "sic": 12,
    "lat": 51.55,
    "lon": 23.64,
}


def test_a_minimal_radar_has_sensible_defaults() -> None:
    radar = AsterixRadar.model_validate(BASE)
    assert (radar.bind_address, radar.multicast_group) == ("0.0.0.0", None)
    assert (radar.height_m, radar.north_offset_deg) == (0.0, 0.0)
    assert (radar.range_sigma_m, radar.azimuth_sigma_deg, radar.rotation_period_s) == (
        15.0,
        0.5,
        4.0,
    )
    assert rate_limit(radar).burst == 2_000  # 500 plots/s for one 4 s turn


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"multicast_group": "10.1.2.3"}, "multicast_group", "is not a multicast group"),
        ({"multicast_group": "239.1.2"}, "multicast_group", "is not an IPv4 address"),
        ({"bind_address": "localhost"}, "bind_address", "is not an IPv4 address"),
        ({"sac": 256}, "sac", "less than or equal to 255"),
        ({"sic": -1}, "sic", "greater than or equal to 0"),
        ({"lat": 91.0}, "lat", "less than or equal to 90"),
        ({"north_offset_deg": -180.0}, "north_offset_deg", "greater than -180"),
        ({"range_sigma_m": 0.0}, "range_sigma_m", "greater than 0"),
        ({"rotation_period_s": 0.0}, "rotation_period_s", "greater than or equal to 0.1"),
        ({"max_plots_per_s": 0}, "max_plots_per_s", "greater than 0"),
        ({"radar": "x"}, "radar", "Extra inputs are not permitted"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(
    change: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as info:
        AsterixRadar.model_validate({**BASE, **change})
    [error] = info.value.errors()
    assert error["loc"][0] == field
    assert message in error["msg"]


def test_position_and_source_are_required() -> None:
    for key in ("sac", "sic", "lat", "lon", "udp_port"):
        with pytest.raises(ValidationError) as info:
            AsterixRadar.model_validate({k: v for k, v in BASE.items() if k != key})
        assert [e["loc"] for e in info.value.errors()] == [(key,)]


def test_a_simulated_radar_sends_unicast() -> None:
    with pytest.raises(ValidationError, match="a simulated radar sends unicast"):
        AsterixRadar.model_validate(
            {**BASE, "simulated_world": "cam-1", "multicast_group": "239.1.2.3"}
        )
