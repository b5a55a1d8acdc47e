"""Connection strings and the mavlink sensor's configuration."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pydantic import ValidationError

from kordon.config.integrations import MavlinkSensor
from kordon.sensors.mavlink.endpoint import EndpointError, EndpointSpec, UdpEndpoint
from tests.sensors.mavlink.frames import Vehicle


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("udpin:0.0.0.0:14550", EndpointSpec("udpin", host="0.0.0.0", port=14550)),
        ("udpout:10.0.0.5:14555", EndpointSpec("udpout", host="10.0.0.5", port=14555)),
        ("tcp:127.0.0.1:5760", EndpointSpec("tcp", host="127.0.0.1", port=5760)),
        ("serial:/dev/ttyUSB0:57600", EndpointSpec("serial", path="/dev/ttyUSB0", baud=57600)),
        ("tlog:logs/a:b.tlog", EndpointSpec("tlog", path="logs/a:b.tlog")),
    ],
)
def test_connection_strings_parse(url: str, expected: EndpointSpec) -> None:
    assert EndpointSpec.parse(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("udp:0.0.0.0:14550", "start with one of udpin, udpout, tcp, serial, tlog"),
        ("udpin:0.0.0.0", "udpin:HOST:PORT"),
        ("tcp:host:70000", "PORT 1..65535"),
        ("serial:/dev/ttyUSB0:1234", "BAUD one of"),
        ("tlog:", "needs a file path"),
    ],
)
def test_bad_connection_strings_say_what_is_expected(url: str, message: str) -> None:
    with pytest.raises(EndpointError, match=message):
        EndpointSpec.parse(url)


def test_udpin_answers_the_last_sender() -> None:
    endpoint = UdpEndpoint(EndpointSpec("udpin", host="127.0.0.1", port=0))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as vehicle:
        vehicle.bind(("127.0.0.1", 0))
        vehicle.settimeout(5.0)
        frame = Vehicle(1).heartbeat()
        vehicle.sendto(frame, endpoint.address)
        assert endpoint.receive(5.0) == frame
        endpoint.send(b"ack")
        assert vehicle.recv(100) == b"ack"
    assert endpoint.receive(0.01) == b""
    endpoint.close()


def _sensor(**fields: object) -> MavlinkSensor:
    return MavlinkSensor.model_validate(
        {"kind": "mavlink", "id": "uav-1", "url": "udpin:0.0.0.0:14550", **fields}
    )


def test_defaults_of_a_mavlink_sensor() -> None:
    sensor = _sensor()
    assert sensor.system_ids == [1]
    assert sensor.heartbeat_timeout_s == 5.0
    assert sensor.camera_hfov_deg is None
    assert sensor.dem_file is None
    assert sensor.replay_speed == 1.0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "udp:0.0.0.0:14550"}, "url must start with one of udpin:"),
        ({"system_ids": [1, 1]}, "system_ids has duplicates"),
        ({"system_ids": []}, "at least 1 item"),
        ({"system_ids": [0]}, "greater than or equal to 1"),
        ({"heartbeat_timeout_s": 0.5}, "greater than or equal to 1"),
        ({"camera_hfov_deg": 180}, "less than 180"),
        ({"dem_file": "terrain.tif"}, "should match pattern"),
        ({"replay_speed": -1}, "greater than or equal to 0"),
    ],
)
def test_bad_mavlink_settings_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _sensor(**fields)


def test_a_dem_file_is_accepted(tmp_path: Path) -> None:
    assert _sensor(dem_file=str(tmp_path / "N51E024.hgt")).dem_file is not None
