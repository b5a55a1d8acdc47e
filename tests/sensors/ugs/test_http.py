"""``POST /api/sensors/ugs``: HMAC-SHA256 signed messages accepted, everything else refused."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI

from kordon.api.routes import sensors
from kordon.sensors.ugs.http_intake import UgsHttpIntake
from kordon.sensors.ugs.intake import UgsIntake
from kordon.sensors.ugs.signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureVerifier,
    sign,
    signed_headers,
)
from tests.sensors.ugs.support import T0, Collected, ManualClock, build_intake, message_dict

with warnings.catch_warnings():
    # Starlette 1.x warns that its test client will move from httpx to httpx2 (see
    # tests/api/conftest.py); the httpx client still works.
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

SECRETS = {"ugs-1": b"ugs-1 shared secret 0123", "ugs-2": b"site-wide secret 456789"}
URL = sensors.PATH


@dataclass
class Rig:
    client: TestClient
    clock: ManualClock
    got: Collected
    http: UgsHttpIntake
    intake: UgsIntake

    def post(
        self,
        body: bytes,
        *,
        sensor_id: str = "ugs-1",
        secret: bytes | None = None,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        if headers is None:
            ts = int(self.clock().timestamp()) if timestamp is None else timestamp
            headers = signed_headers(sensor_id, secret or SECRETS[sensor_id], body, ts)
        return self.client.post(
            URL, content=body, headers={**headers, "Content-Type": "application/json"}
        )


@pytest.fixture
def rig() -> Iterator[Rig]:
    clock = ManualClock()
    intake, got = build_intake(clock, rate_hz=1.0, burst=3)
    http = UgsHttpIntake(SignatureVerifier(SECRETS, clock, window_s=300.0), intake)
    app = FastAPI()
    app.include_router(sensors.router())
    app.dependency_overrides[sensors.get_ugs_intake] = lambda: http
    with TestClient(app) as client:
        yield Rig(client, clock, got, http, intake)


def _body(**overrides: Any) -> bytes:
    return json.dumps(message_dict(**overrides)).encode()


def test_a_signed_alarm_is_accepted_and_delivered(rig: Rig) -> None:
    response = rig.post(_body(class_hint="person"))
    assert response.status_code == 202, response.text
    assert response.json() == {"verdict": "accepted"}
    assert rig.got.rows == 1
    assert rig.got.observations[0].sensor_id.tolist() == ["ugs-1"]


def test_a_site_wide_secret_signs_for_its_sensor(rig: Rig) -> None:
    response = rig.post(_body(sensor_id="ugs-2", sensor_type="pir"), sensor_id="ugs-2")
    assert response.status_code == 202, response.text


def _refused(rig: Rig, response: Any, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    assert fragment in response.json()["detail"]
    assert rig.got.rows == 0
    assert rig.got.statuses == []  # nothing delivered, not even health


def test_an_unsigned_request_is_401_with_a_clear_message(rig: Rig) -> None:
    response = rig.post(_body(), headers={})
    _refused(rig, response, 401, "unsigned request: missing header(s) X-Kordon-Sensor")
    assert response.headers["WWW-Authenticate"].startswith("HMAC-SHA256")


def test_a_missing_signature_header_alone_is_401(rig: Rig) -> None:
    headers = signed_headers("ugs-1", SECRETS["ugs-1"], _body(), int(T0.timestamp()))
    del headers[SIGNATURE_HEADER]
    _refused(rig, rig.post(_body(), headers=headers), 401, "missing header(s) X-Kordon-Signature")


def test_a_wrong_secret_is_401(rig: Rig) -> None:
    response = rig.post(_body(), secret=b"not the secret at all!!")
    _refused(rig, response, 401, "X-Kordon-Signature does not match")


def test_a_body_changed_after_signing_is_401(rig: Rig) -> None:
    headers = signed_headers("ugs-1", SECRETS["ugs-1"], _body(), int(T0.timestamp()))
    response = rig.post(_body(class_hint="animal"), headers=headers)
    _refused(rig, response, 401, "does not match")


def test_a_signature_over_another_timestamp_is_401(rig: Rig) -> None:
    ts = str(int(T0.timestamp()))
    headers = signed_headers("ugs-1", SECRETS["ugs-1"], _body(), int(T0.timestamp()))
    headers[TIMESTAMP_HEADER] = str(int(ts) + 1)
    _refused(rig, rig.post(_body(), headers=headers), 401, "does not match")


@pytest.mark.parametrize("offset_s", [-301, 301])
def test_a_timestamp_outside_the_replay_window_is_401(rig: Rig, offset_s: int) -> None:
    response = rig.post(_body(), timestamp=int(T0.timestamp()) + offset_s)
    _refused(rig, response, 401, f"is {offset_s:+d} s from the node's clock; at most ±300 s")


@pytest.mark.parametrize("timestamp", ["soon", "-5", "+5", "1e9", "9" * 13])
def test_a_malformed_timestamp_is_401(rig: Rig, timestamp: str) -> None:
    body = _body()
    headers = {
        "X-Kordon-Sensor": "ugs-1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: "sha256=00",
    }
    _refused(rig, rig.post(body, headers=headers), 401, "must be POSIX seconds")


def test_an_exact_replay_is_401(rig: Rig) -> None:
    body = _body(seq=None)
    headers = signed_headers("ugs-1", SECRETS["ugs-1"], body, int(T0.timestamp()))
    assert rig.post(body, headers=headers).status_code == 202
    replay = rig.post(body, headers=headers)
    assert replay.status_code == 401
    assert "already received" in replay.json()["detail"]
    assert rig.got.rows == 1


def test_a_replay_after_the_window_is_401_too(rig: Rig) -> None:
    body = _body()
    headers = signed_headers("ugs-1", SECRETS["ugs-1"], body, int(T0.timestamp()))
    assert rig.post(body, headers=headers).status_code == 202
    rig.clock.advance(301)
    assert rig.post(body, headers=headers).status_code == 401  # stale now


def test_a_sensor_signing_for_another_is_401(rig: Rig) -> None:
    response = rig.post(_body(sensor_id="ugs-1"), sensor_id="ugs-2")
    _refused(rig, response, 401, "signed as sensor 'ugs-2', but the message is from 'ugs-1'")


def test_a_sensor_without_a_secret_is_401(rig: Rig) -> None:
    body = _body(sensor_id="ugs-any")
    response = rig.post(body, sensor_id="ugs-any", secret=b"guessed secret 1234567")
    _refused(rig, response, 401, "'ugs-any' has no shared secret here")


def test_a_signed_but_invalid_message_is_400_with_the_field(rig: Rig) -> None:
    response = rig.post(_body(battery_pct=140))
    _refused(rig, response, 400, "battery_pct: Input should be less than or equal to 100")


def test_a_too_large_body_is_413_before_anything_else(rig: Rig) -> None:
    response = rig.post(b"{" + b" " * 10_000 + b"}", headers={})
    _refused(rig, response, 413, "at most 4096 are accepted")


def test_a_flood_over_http_is_429_after_the_burst(rig: Rig) -> None:
    statuses = []
    for i in range(6):
        statuses.append(rig.post(_body(seq=i)).status_code)
    assert statuses == [202, 202, 202, 429, 429, 429]
    assert rig.got.rows == 3
    assert rig.http.max_bytes == 4096


def test_a_redelivered_seq_is_answered_duplicate(rig: Rig) -> None:
    assert rig.post(_body(seq=9)).json() == {"verdict": "accepted"}
    rig.clock.advance(1)  # a new timestamp: a new signature, the same message
    second = rig.post(_body(seq=9))
    assert (second.status_code, second.json()) == (202, {"verdict": "duplicate"})
    assert rig.got.rows == 1


def test_refusals_are_counted(rig: Rig) -> None:
    rig.post(_body(), headers={})
    rig.post(_body(), secret=b"not the secret at all!!")
    rig.post(_body(battery_pct=140))
    refused = rig.intake.counters.refused
    assert refused == {
        "signature_missing_header": 1,
        "signature_bad_signature": 1,
        "invalid": 1,
    }


def test_the_openapi_document_carries_the_message_schema_and_headers(rig: Rig) -> None:
    doc = rig.client.app.openapi()  # type: ignore[attr-defined]
    operation = doc["paths"][URL]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["title"] == "Kordon ground sensor message"
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert headers == {"X-Kordon-Sensor", "X-Kordon-Timestamp", "X-Kordon-Signature"}
    assert {"202", "400", "401", "404", "413", "429"} <= set(operation["responses"])


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    """A known answer, so other implementations (sensor firmware) can check theirs."""
    assert sign(b"key", "1700000000", b"{}") == (
        "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
    )
