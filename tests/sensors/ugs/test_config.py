"""The ``ground_sensor`` entry of the site file: fields, defaults and clear errors; secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kordon.config.errors import ConfigError
from kordon.config.integrations import GroundSensor, UgsSensorType
from kordon.config.loader import load_site
from kordon.sensors.ugs.shared_secrets import SecretError, sensor_secrets
from tests.config.sites import BASE_SITE

SQUARE = [[23.70, 51.60], [23.701, 51.60], [23.701, 51.601], [23.70, 51.601]]


def _sensor(**fields: Any) -> GroundSensor:
    base: dict[str, Any] = {"kind": "ground_sensor", "id": "ugs-1", "lat": 51.6, "lon": 23.7}
    return GroundSensor.model_validate({**base, **fields})


def test_the_short_form_of_issue_14_still_validates_with_defaults() -> None:
    s = _sensor(radius_m=30)
    assert (s.radius_m, s.polygon, s.sensor_type, s.mqtt, s.secret_env) == (
        30.0,
        None,
        None,
        None,
        None,
    )
    assert (s.heartbeat_interval_s, s.confidence, s.max_alarm_rate_hz, s.alarm_burst) == (
        300.0,
        0.5,
        1.0,
        10,
    )


def test_every_field_together() -> None:
    s = _sensor(
        sensor_type="fence",
        polygon=SQUARE,
        heartbeat_interval_s=60,
        mqtt={"host": "broker.local", "topic": "ugs/+/msg"},
        secret_env="KORDON_UGS_SECRET",
    )
    assert s.sensor_type is UgsSensorType.FENCE
    assert s.mqtt is not None
    assert (s.mqtt.host, s.mqtt.port, s.mqtt.topic) == ("broker.local", 1883, "ugs/+/msg")


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({}, "give exactly one of 'radius_m' (a disc around lat/lon) or 'polygon'"),
        ({"radius_m": 30, "polygon": SQUARE}, "give exactly one of 'radius_m'"),
        ({"radius_m": 0}, "greater than 0"),
        ({"polygon": SQUARE[:2]}, "at least 3 items"),
        ({"polygon": [SQUARE[0], SQUARE[0], SQUARE[1]]}, "at least 3 distinct points"),
        ({"polygon": [[51.6, 123.7], *SQUARE[1:]]}, "points are [lon, lat]"),
        ({"radius_m": 5, "heartbeat_interval_s": 0.5}, "greater than or equal to 1"),
        ({"radius_m": 5, "sensor_type": "radar"}, "'seismic', 'pir', 'magnetic' or 'fence'"),
        ({"radius_m": 5, "secret_env": "my-secret"}, "is not an environment variable name"),
        ({"radius_m": 5, "secret": "hunter2"}, "Extra inputs are not permitted"),
        ({"radius_m": 5, "mqtt": {"host": "b", "topic": "ugs/#/x"}}, "'#' must be the last"),
        ({"radius_m": 5, "mqtt": {"host": "b", "topic": "ugs/a+/x"}}, "must fill a whole level"),
        ({"radius_m": 5, "mqtt": {"host": "b"}}, "topic\n  Field required"),
    ],
)
def test_bad_entries_are_refused_clearly(fields: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        _sensor(**fields)
    assert fragment in str(info.value)


def test_the_loader_reports_ground_sensor_errors_by_field_path(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(
        BASE_SITE
        + "sensors:\n  - {kind: ground_sensor, id: ugs-1, lat: 51.6, lon: 23.7, radius_m: 30,"
        + " mqtt: {host: h, topic: 'a/#/b'}, secret_env: lower}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_site(path)
    paths = {i.path for i in info.value.issues}
    assert {"sensors[0].mqtt.topic", "sensors[0].secret_env"} <= paths


def test_secrets_come_from_the_environment_and_may_be_shared() -> None:
    sensors = [
        _sensor(id="a", radius_m=5, secret_env="UGS_SITE"),
        _sensor(id="b", radius_m=5, secret_env="UGS_SITE"),
        _sensor(id="c", radius_m=5, secret_env="UGS_C"),
        _sensor(id="d", radius_m=5),
    ]
    env = {"UGS_SITE": "site secret 0123456789", "UGS_C": "c's own secret ±16 bytes"}
    secrets = sensor_secrets(sensors, env)
    assert secrets == {
        "a": b"site secret 0123456789",
        "b": b"site secret 0123456789",
        "c": "c's own secret ±16 bytes".encode(),
    }


def test_missing_or_short_secrets_stop_the_node_with_every_problem_named() -> None:
    sensors = [
        _sensor(id="a", radius_m=5, secret_env="UGS_A"),
        _sensor(id="b", radius_m=5, secret_env="UGS_B"),
    ]
    with pytest.raises(SecretError) as info:
        sensor_secrets(sensors, {"UGS_B": "short"})
    assert str(info.value) == (
        "ground sensor secrets: UGS_A (sensor 'a') is not set; UGS_B (sensor 'b') has 5 "
        "bytes; at least 16 are needed"
    )
