"""Shared secrets of the HTTP endpoint: read from the environment, named in the site file.

The site file names an environment variable per sensor (``secret_env``); several sensors
may name the same one (a per-site secret). The secret itself never goes in the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kordon.config.integrations import GroundSensor
from kordon.domain.errors import KordonError
from kordon.sensors.ugs.signature import MIN_SECRET_BYTES


class SecretError(KordonError, ValueError):
    """A configured secret is missing from the environment or too short."""


def sensor_secrets(sensors: Sequence[GroundSensor], environ: Mapping[str, str]) -> dict[str, bytes]:
    """Sensor id → secret (UTF-8 bytes) for every sensor with ``secret_env``.

    Raises :class:`SecretError` naming every variable that is unset or shorter than
    ``MIN_SECRET_BYTES`` (the node must not start half-authenticated).
    """
    secrets: dict[str, bytes] = {}
    problems: list[str] = []
    for sensor in sensors:
        if sensor.secret_env is None:
            continue
        value = environ.get(sensor.secret_env)
        if value is None:
            problems.append(f"{sensor.secret_env} (sensor {sensor.id!r}) is not set")
            continue
        secret = value.encode("utf-8")
        if len(secret) < MIN_SECRET_BYTES:
            problems.append(
                f"{sensor.secret_env} (sensor {sensor.id!r}) has {len(secret)} bytes; "
                f"at least {MIN_SECRET_BYTES} are needed"
            )
            continue
        secrets[sensor.id] = secret
    if problems:
        unique = list(dict.fromkeys(problems))
        raise SecretError("ground sensor secrets: " + "; ".join(unique))
    return secrets
