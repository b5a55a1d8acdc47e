"""``UgsHttpIntake``: one signed HTTP request → a verdict, or a refusal with its HTTP status.

Order: size (413), signature (401: nothing is parsed before the sender is authenticated),
decoding (400; 413 for too large), the signed sensor id against the message's (401),
then the shared :class:`UgsIntake` (429 when the sensor floods). Every refusal is counted
by the intake.
"""

from __future__ import annotations

from dataclasses import dataclass

from kordon.domain.errors import KordonError
from kordon.sensors.ugs.errors import UgsDecodeError, UgsErrorKind
from kordon.sensors.ugs.intake import UgsIntake, Verdict
from kordon.sensors.ugs.signature import SignatureError, SignatureVerifier


class UgsHttpError(KordonError):
    """A refused request: the HTTP ``status`` and a ``detail`` for the sender."""

    def __init__(self, status: int, detail: str, *, reason: str) -> None:
        self.status = status
        self.detail = detail
        self.reason = reason
        """A short code (the refusal counter's key): ``signature_stale``, ``invalid``, …"""
        super().__init__(f"{status}: {detail}")


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The parts of a request the endpoint reads (header values ``None`` when absent)."""

    body: bytes
    sensor_id: str | None
    timestamp: str | None
    signature: str | None


class UgsHttpIntake:
    """Authenticates, decodes and hands over ground-sensor messages sent over HTTP."""

    def __init__(self, verifier: SignatureVerifier, intake: UgsIntake) -> None:
        self._verifier = verifier
        self._intake = intake

    @property
    def max_bytes(self) -> int:
        return self._intake.decoder.max_bytes

    def accept(self, request: SignedRequest) -> Verdict:
        """The verdict of an authenticated, valid message; :class:`UgsHttpError` otherwise."""
        if len(request.body) > self.max_bytes:
            reason = str(UgsErrorKind.TOO_LARGE)
            self._intake.count_refusal(reason)
            raise UgsHttpError(
                413,
                f"message is {len(request.body)} bytes; at most {self.max_bytes} are accepted",
                reason=reason,
            )
        try:
            signed_id = self._verifier.verify(
                sensor_id=request.sensor_id,
                timestamp=request.timestamp,
                signature=request.signature,
                body=request.body,
            )
        except SignatureError as exc:
            reason = f"signature_{exc.problem}"
            self._intake.count_refusal(reason)
            raise UgsHttpError(401, f"not authenticated: {exc.detail}", reason=reason) from exc
        try:
            message = self._intake.decoder.decode(request.body)
        except UgsDecodeError as exc:
            self._intake.refused(exc)
            status = 413 if exc.kind is UgsErrorKind.TOO_LARGE else 400
            raise UgsHttpError(status, f"message refused: {exc}", reason=str(exc.kind)) from exc
        if message.sensor_id != signed_id:
            reason = "signature_sensor_mismatch"
            self._intake.count_refusal(reason)
            raise UgsHttpError(
                401,
                f"not authenticated: signed as sensor {signed_id!r}, but the message is from "
                f"{message.sensor_id!r}",
                reason=reason,
            )
        verdict = self._intake.handle(message)
        if verdict is Verdict.DROPPED:
            raise UgsHttpError(
                429, f"sensor {signed_id!r} exceeds its message rate; dropped", reason="flooding"
            )
        return verdict
