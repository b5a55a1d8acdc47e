"""``SignatureVerifier``: HMAC-SHA256 authentication of ground-sensor messages sent over HTTP.

The sender signs ``timestamp + "." + body`` with its shared secret and sends three headers:
``X-Kordon-Sensor`` (its id, to pick the secret before the body is parsed),
``X-Kordon-Timestamp`` (POSIX seconds, an integer) and ``X-Kordon-Signature``
(``sha256=`` and the lowercase hex digest). A request is refused when a header is missing,
the sensor has no secret, the timestamp is outside the replay window around the node's
clock, the digest does not match (compared in constant time), or the same signature was
already accepted within the window (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum

from kordon.domain.errors import KordonError
from kordon.domain.time import require_utc

SENSOR_HEADER = "X-Kordon-Sensor"
TIMESTAMP_HEADER = "X-Kordon-Timestamp"
SIGNATURE_HEADER = "X-Kordon-Signature"
SCHEME = "sha256="
MIN_SECRET_BYTES = 16
MAX_TIMESTAMP_DIGITS = 12


class SignatureProblem(StrEnum):
    MISSING_HEADER = "missing_header"
    NO_SECRET = "no_secret"
    BAD_TIMESTAMP = "bad_timestamp"
    STALE = "stale"
    BAD_SIGNATURE = "bad_signature"
    REPLAYED = "replayed"


class SignatureError(KordonError, PermissionError):
    """A request that does not prove it comes from the sensor it names."""

    def __init__(self, problem: SignatureProblem, detail: str) -> None:
        self.problem = problem
        self.detail = detail
        super().__init__(f"{problem}: {detail}")


def signed_bytes(timestamp: str, body: bytes) -> bytes:
    """What the signature covers: the timestamp header, a dot, the raw body."""
    return timestamp.encode("ascii") + b"." + body


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Kordon-Signature`` value for ``body`` sent at ``timestamp`` (sender side)."""
    digest = hmac.new(secret, signed_bytes(timestamp, body), hashlib.sha256).hexdigest()
    return SCHEME + digest


def signed_headers(sensor_id: str, secret: bytes, body: bytes, timestamp_s: int) -> dict[str, str]:
    """The three headers a sender adds to ``body`` sent at ``timestamp_s`` (POSIX seconds)."""
    timestamp = str(int(timestamp_s))
    return {
        SENSOR_HEADER: sensor_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


class SignatureVerifier:
    """Checks signatures with per-sensor secrets; ``window_s`` bounds clock skew and replay."""

    def __init__(
        self,
        secrets: Mapping[str, bytes],
        clock: Callable[[], datetime],
        *,
        window_s: float = 300.0,
        max_remembered: int = 100_000,
    ) -> None:
        short = sorted(sid for sid, s in secrets.items() if len(s) < MIN_SECRET_BYTES)
        if short:
            raise ValueError(f"secrets shorter than {MIN_SECRET_BYTES} bytes for sensors {short}")
        if not window_s > 0:
            raise ValueError(f"window_s must be > 0, got {window_s}")
        self._secrets = dict(secrets)
        self._clock = clock
        self.window_s = window_s
        self._max_remembered = max_remembered
        self._seen: OrderedDict[str, float] = OrderedDict()  # signature → its timestamp
        self._lock = threading.Lock()

    @property
    def sensor_ids(self) -> frozenset[str]:
        """Sensors that may send over HTTP (those with a secret)."""
        return frozenset(self._secrets)

    def verify(
        self, *, sensor_id: str | None, timestamp: str | None, signature: str | None, body: bytes
    ) -> str:
        """The authenticated sensor id, or :class:`SignatureError` saying why not."""
        missing = [
            name
            for name, value in (
                (SENSOR_HEADER, sensor_id),
                (TIMESTAMP_HEADER, timestamp),
                (SIGNATURE_HEADER, signature),
            )
            if not value
        ]
        if missing or sensor_id is None or timestamp is None or signature is None:
            raise SignatureError(
                SignatureProblem.MISSING_HEADER,
                f"unsigned request: missing header(s) {', '.join(missing)}",
            )
        secret = self._secrets.get(sensor_id)
        if secret is None:
            raise SignatureError(
                SignatureProblem.NO_SECRET,
                f"sensor {sensor_id[:63]!r} has no shared secret here (unknown sensor, or no "
                "secret_env in the site file)",
            )
        if (
            not (timestamp.isascii() and timestamp.isdigit())
            or len(timestamp) > MAX_TIMESTAMP_DIGITS
        ):
            raise SignatureError(
                SignatureProblem.BAD_TIMESTAMP,
                f"{TIMESTAMP_HEADER} must be POSIX seconds as an integer",
            )
        now_s = require_utc(self._clock(), name="clock()").timestamp()
        skew_s = int(timestamp) - now_s
        if abs(skew_s) > self.window_s:
            raise SignatureError(
                SignatureProblem.STALE,
                f"{TIMESTAMP_HEADER} is {skew_s:+.0f} s from the node's clock; at most "
                f"±{self.window_s:.0f} s is accepted",
            )
        expected = sign(secret, timestamp, body)
        if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
            raise SignatureError(
                SignatureProblem.BAD_SIGNATURE,
                f"{SIGNATURE_HEADER} does not match: expected 'sha256=' and the hex HMAC-SHA256 "
                "of '<timestamp>.<body>' with the sensor's shared secret",
            )
        with self._lock:
            self._forget(now_s)
            if expected in self._seen:
                raise SignatureError(
                    SignatureProblem.REPLAYED, "this exact signed request was already received"
                )
            self._seen[expected] = float(timestamp)
            while len(self._seen) > self._max_remembered:
                self._seen.popitem(last=False)
        return sensor_id

    def _forget(self, now_s: float) -> None:
        # Roughly in timestamp order: drop from the oldest end while expired.
        while self._seen:
            oldest = next(iter(self._seen.values()))
            if now_s - oldest <= self.window_s:
                break
            self._seen.popitem(last=False)
