"""The Cursor-on-Target notifier: the site picture to TAK and field units back (docs/tak.md)."""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from kordon.config.common import Name, Slug, StrictModel
from kordon.config.endpoints import FilePath, url_checker


class CotLayer(StrEnum):
    """What a ``cot`` notifier sends."""

    TRACKS = "tracks"
    INCIDENTS = "incidents"
    DRONES = "drones"
    SENSORS = "sensors"
    DRAWINGS = "drawings"


def _ipv4(text: str, *, multicast: bool) -> None:
    try:
        address = ipaddress.IPv4Address(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an IPv4 address") from None
    if multicast and not address.is_multicast:
        raise ValueError(f"{text!r} is not a multicast group (224.0.0.0/4)")


class CotNotifier(StrictModel):
    """Send the site picture as Cursor-on-Target to a TAK server or multicast group, and
    read field units' positions back (docs/tak.md)."""

    kind: Literal["cot"] = Field(description="Cursor-on-Target sender.")
    id: Slug = Field(description="Unique notifier id.")
    url: Annotated[str, Field(min_length=8, max_length=500), url_checker(("udp", "tcp", "tls"))] = (
        Field(description="udp://, tcp:// or tls:// host:port of the TAK endpoint.")
    )
    protocol: Literal["negotiate", "xml", "proto"] = Field(
        default="negotiate",
        description="Payload. negotiate: on tcp:// and tls://, CoT XML until the server "
        "offers TAK protocol version 1 (t-x-takp-v), then ask for it and switch to protobuf "
        "stream framing on a yes, else stay on XML; XML on udp://. xml: CoT XML only. "
        "proto: TAK protocol version 1 from the first byte (mesh framing on udp://; on "
        "tcp:// and tls:// only with a server that expects it from the start).",
    )
    callsign: Name = Field(default="Kordon", description="The node's callsign on TAK clients.")
    layers: list[CotLayer] = Field(
        default=list(CotLayer),
        min_length=1,
        max_length=5,
        description="What to send: tracks, incidents, drones, sensors (cameras), drawings "
        "(border and sectors).",
    )
    ca_file: FilePath | None = Field(
        default=None,
        description="tls:// only: CA certificates (PEM) to verify the server; none: the system's.",
    )
    client_cert_file: FilePath | None = Field(
        default=None, description="tls:// only: client certificate (PEM); needs client_key_file."
    )
    client_key_file: FilePath | None = Field(
        default=None, description="Private key (PEM, unencrypted) of client_cert_file."
    )
    check_hostname: bool = Field(
        default=True, description="tls:// only: check the server certificate names the host."
    )
    track_interval_s: float = Field(
        default=1.0,
        gt=0.0,
        le=3_600.0,
        description="Least time between two updates of one track, s.",
    )
    static_interval_s: float = Field(
        default=60.0,
        ge=5.0,
        le=86_400.0,
        description="How often sensors, drawings and the node's own position are sent again, s.",
    )
    stale_s: float = Field(
        default=30.0, ge=1.0, le=3_600.0, description="Stale time of tracks and drones, s."
    )
    queue_size: int = Field(
        default=10_000,
        ge=10,
        le=1_000_000,
        description="Updates (and, separately, alarms) held while the server is away; when "
        "full the oldest update is dropped; alarms are never displaced by updates.",
    )
    reconnect_min_s: float = Field(
        default=1.0, gt=0.0, le=600.0, description="First delay before reconnecting, s."
    )
    reconnect_max_s: float = Field(
        default=60.0, gt=0.0, le=3_600.0, description="Longest delay between reconnections, s."
    )
    multicast_ttl: int = Field(default=1, ge=1, le=255, description="TTL of multicast datagrams.")
    multicast_interface: str | None = Field(
        default=None,
        description="IPv4 address of the interface multicast is sent and joined on; none: default.",
    )
    listen_udp: Annotated[str, Field(pattern=r"^[^:\s]+:\d{1,5}$", max_length=300)] | None = Field(
        default=None,
        description="Also read CoT over UDP on HOST:PORT (e.g. 0.0.0.0:6969); none: only "
        "from the connection.",
    )
    listen_group: str | None = Field(
        default=None, description="Multicast group the UDP listener joins (e.g. 239.2.3.1)."
    )

    @model_validator(mode="after")
    def _check(self) -> CotNotifier:
        tls = self.url.startswith("tls://")
        files = (self.ca_file, self.client_cert_file, self.client_key_file)
        if not tls and any(f is not None for f in files):
            raise ValueError(f"cot notifier {self.id!r}: TLS files need a tls:// url")
        if (self.client_cert_file is None) != (self.client_key_file is None):
            raise ValueError(
                f"cot notifier {self.id!r}: give both client_cert_file and client_key_file "
                "or neither"
            )
        if len(set(self.layers)) != len(self.layers):
            raise ValueError(f"cot notifier {self.id!r}: 'layers' has duplicates")
        if self.reconnect_min_s > self.reconnect_max_s:
            raise ValueError(
                f"cot notifier {self.id!r}: reconnect_min_s must not exceed reconnect_max_s"
            )
        if self.listen_group is not None:
            if self.listen_udp is None:
                raise ValueError(f"cot notifier {self.id!r}: listen_group needs listen_udp")
            _ipv4(self.listen_group, multicast=True)
        if self.multicast_interface is not None:
            _ipv4(self.multicast_interface, multicast=False)
        return self
