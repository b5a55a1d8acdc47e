"""``TakSettings``: everything a :class:`~kordon.tak.service.TakService` needs, explicit and typed.

Built by the wiring from a site file's ``cot`` notifier entry (paths already resolved).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from kordon.domain.errors import KordonError


class TakScheme(StrEnum):
    TCP = "tcp"
    TLS = "tls"
    UDP = "udp"


class TakProtocol(StrEnum):
    """Payload encoding.

    ``xml``: CoT XML always. ``proto``: TAK protocol version 1 (protobuf) from the first
    byte (mesh framing over UDP, stream framing over TCP/TLS: for a server that expects it
    from the start). ``negotiate``: on TCP/TLS, XML until the server offers version 1
    (``t-x-takp-v``), then ask for it and switch on a yes; XML over UDP.
    """

    XML = "xml"
    PROTO = "proto"
    NEGOTIATE = "negotiate"


class TakLayer(StrEnum):
    """What Kordon sends."""

    TRACKS = "tracks"
    INCIDENTS = "incidents"
    DRONES = "drones"
    SENSORS = "sensors"
    DRAWINGS = "drawings"


ALL_LAYERS = frozenset(TakLayer)


class TakSettingsError(KordonError, ValueError):
    """Settings that cannot work (a bad url, TLS files missing or given without tls://)."""


def host_port(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (port 0: any free port)."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) < 65_536:
        raise TakSettingsError(f"listen_udp {text!r}: expected HOST:PORT, e.g. 0.0.0.0:6969")
    return host, int(port)


@dataclass(frozen=True, slots=True)
class Endpoint:
    scheme: TakScheme
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        """``tcp://host:port``, ``tls://host:port`` or ``udp://host:port`` (group or unicast)."""
        parts = urlsplit(url)
        try:
            scheme = TakScheme(parts.scheme)
        except ValueError:
            raise TakSettingsError(
                f"url {url!r}: scheme must be tcp, tls or udp, got {parts.scheme!r}"
            ) from None
        try:
            port = parts.port
        except ValueError as exc:
            raise TakSettingsError(f"url {url!r}: {exc}") from None
        if not parts.hostname or port is None:
            raise TakSettingsError(f"url {url!r}: needs host:port, e.g. tcp://takserver:8087")
        return cls(scheme, parts.hostname, port)

    @property
    def is_multicast(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_multicast
        except ValueError:
            return False


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsFiles:
    """Client certificate and key (PEM) for mutual TLS, and the CA to verify the server."""

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    key_password: str | None = None
    check_hostname: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class TakSettings:
    """One TAK endpoint. ``uid_prefix`` names every event Kordon sends (``<prefix>.track.7``)."""

    notifier_id: str
    url: str
    uid_prefix: str
    callsign: str = "Kordon"
    protocol: TakProtocol = TakProtocol.NEGOTIATE
    tls: TlsFiles | None = None
    layers: frozenset[TakLayer] = field(default_factory=lambda: ALL_LAYERS)
    track_interval_s: float = 1.0
    """Least time between two updates of one track (by the picture's clock)."""
    static_interval_s: float = 60.0
    """How often sensors, drawings and Kordon's own position are sent again."""
    stale_s: float = 30.0
    """Stale time of tracks and drones; static layers use ``3 * static_interval_s``."""
    incident_stale_s: float = 3_600.0
    queue_size: int = 10_000
    alarm_queue_size: int = 10_000
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 60.0
    connect_timeout_s: float = 10.0
    negotiation_timeout_s: float = 60.0
    """How long to wait for the server's answer to a TAK protocol request (sending
    nothing meanwhile) before dropping the connection; later connections stay on XML."""
    max_message_bytes: int = 1 << 20
    """Largest TAK protocol message read from a stream; a longer one drops the connection."""
    multicast_ttl: int = 1
    multicast_interface: str | None = None
    """IPv4 address of the interface multicast is sent on and joined on; none: the default."""
    listen_udp: str | None = None
    """``host:port`` to also receive CoT over UDP (e.g. ``0.0.0.0:6969``, SA multicast)."""
    listen_group: str | None = None
    """Multicast group joined by the UDP listener (e.g. ``239.2.3.1``)."""
    only_confirmed_tracks: bool = True

    def __post_init__(self) -> None:
        endpoint = Endpoint.parse(self.url)
        if (self.tls is not None) != (endpoint.scheme is TakScheme.TLS):
            raise TakSettingsError(
                f"cot notifier {self.notifier_id!r}: TLS files need a tls:// url and a "
                "tls:// url needs TLS files (at least the CA)"
            )
        if self.tls is not None and (self.tls.cert_file is None) != (self.tls.key_file is None):
            raise TakSettingsError(
                f"cot notifier {self.notifier_id!r}: give both the client certificate and key"
            )
        if self.reconnect_min_s <= 0 or self.reconnect_min_s > self.reconnect_max_s:
            raise TakSettingsError(
                f"cot notifier {self.notifier_id!r}: 0 < reconnect_min_s <= reconnect_max_s"
            )
        if self.negotiation_timeout_s <= 0:
            raise TakSettingsError(
                f"cot notifier {self.notifier_id!r}: negotiation_timeout_s must be > 0"
            )
        if self.max_message_bytes < 1:
            raise TakSettingsError(
                f"cot notifier {self.notifier_id!r}: max_message_bytes must be >= 1"
            )
        if self.queue_size < 1 or self.alarm_queue_size < 1:
            raise TakSettingsError(f"cot notifier {self.notifier_id!r}: queue sizes must be >= 1")
        if self.listen_udp is not None:
            host_port(self.listen_udp)
        if not self.uid_prefix or any(c in self.uid_prefix for c in " \t\r\n\"'<>&"):
            raise TakSettingsError(f"cot notifier {self.notifier_id!r}: bad uid_prefix")

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint.parse(self.url)
