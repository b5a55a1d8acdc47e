"""Storage, API and logging settings."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from kordon.config.common import Slug, StrictModel


class RetentionLimits(StrictModel):
    """Limits for one camera; unset values fall back to the site-wide ones."""

    max_age_days: float | None = Field(
        default=None, gt=0.0, le=3650.0, description="Delete segments older than this, days."
    )
    max_size_gb: float | None = Field(
        default=None, gt=0.0, le=1_000_000.0, description="Keep at most this much video, GB."
    )


class RetentionConfig(StrictModel):
    """How long recordings, snapshots, clips and exports are kept. Held (evidence) footage
    is never deleted."""

    max_age_days: float = Field(
        default=30.0, gt=0.0, le=3650.0, description="Delete segments older than this, days."
    )
    max_size_gb: float | None = Field(
        default=None, gt=0.0, le=1_000_000.0, description="Total video size cap, GB; none: no cap."
    )
    cameras: dict[Slug, RetentionLimits] = Field(
        default_factory=dict, description="Per-camera overrides, by camera id."
    )
    release_holds_after_days: float | None = Field(
        default=7.0,
        ge=0.0,
        le=3650.0,
        description="Release an incident's evidence holds this many days after it was "
        "resolved or closed (false alarms and duplicates too); never while it is open or "
        "while an export of it exists. Its footage then ages out like any other. None: holds "
        "are kept forever.",
    )
    snapshots_max_age_days: float | None = Field(
        default=30.0,
        gt=0.0,
        le=3650.0,
        description="Delete event snapshots older than this, days; never one of an incident "
        "that is open, held or exported. None: kept forever.",
    )
    clips_max_age_days: float | None = Field(
        default=7.0,
        gt=0.0,
        le=3650.0,
        description="Delete assembled incident clips (a cache: they are cut again from the "
        "segments while those remain) older than this, days; never one of an incident that "
        "is open, held or exported. None: kept forever.",
    )
    exports_max_age_days: float | None = Field(
        default=365.0,
        gt=0.0,
        le=36500.0,
        description="Delete evidence bundles older than this, days; never one of an incident "
        "that is open. While a bundle exists its incident's holds, clips and snapshots are "
        "kept. None: kept forever.",
    )


class StorageConfig(StrictModel):
    """Database and recording storage."""

    database_url: Annotated[str, Field(min_length=1, max_length=2000)] | None = Field(
        default=None,
        description="SQLAlchemy URL (sqlite:/// or postgresql+psycopg://); none: SQLite at "
        "<data_dir>/kordon.db.",
    )
    retention: RetentionConfig = Field(
        default_factory=RetentionConfig, description="Recording retention."
    )
    min_free_gb: float = Field(
        default=5.0,
        ge=0.0,
        le=100_000.0,
        description="Free disk space always kept, GB (at most half the recording disk): "
        "below it the oldest un-held footage is deleted.",
    )


LOCAL_HOST_NAMES = ("localhost", "127.0.0.1", "::1")
_HOST_PATTERN = re.compile(r"^(\*|(\*\.)?[a-z0-9_.-]+|\[?[0-9a-f:.]+\]?)$")
_ORIGIN_PATTERN = re.compile(
    r"^https?://[a-z0-9_.-]+(:[0-9]{1,5})?$|^https?://\[[0-9a-f:.]+\](:[0-9]{1,5})?$"
)


class TlsConfig(StrictModel):
    """HTTPS served by the node itself."""

    certificate: Path = Field(
        description="PEM certificate, with its intermediate chain, relative to the site file."
    )
    key: Path = Field(
        description="PEM private key of the certificate, relative to the site file "
        "(readable only by the node's user)."
    )


class ApiConfig(StrictModel):
    """HTTP API and web UI listener, TLS, and what browsers may do with it."""

    host: Annotated[str, Field(min_length=1, max_length=253)] = Field(
        default="127.0.0.1", description="Listen address."
    )
    port: int = Field(default=8080, ge=1, le=65_535, description="Listen port.")
    tls: TlsConfig | None = Field(
        default=None,
        description="Serve HTTPS with this certificate; none: plain HTTP (on loopback, or "
        "behind a reverse proxy that terminates TLS: see trusted_proxies).",
    )
    trusted_proxies: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list,
        max_length=64,
        description="Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For "
        "(client address) and X-Forwarded-Proto (https) headers are believed; from anyone "
        "else they are ignored.",
        examples=[["127.0.0.1"]],
    )
    allowed_hosts: list[Annotated[str, Field(min_length=1, max_length=253)]] = Field(
        default_factory=list,
        max_length=64,
        description="Host names and addresses the API answers to (the Host header: what "
        "operators type in the address bar); '*.example.org' allows its subdomains, '*' any "
        "host. Empty: localhost, 127.0.0.1, ::1 and the listen address (a wildcard listen "
        "address such as 0.0.0.0 adds nothing: list the names). Others get 400.",
        examples=[["kordon.example.org"]],
    )
    allowed_origins: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(
        default_factory=list,
        max_length=64,
        description="Other origins (scheme://host[:port]) whose pages may open the live "
        "WebSocket; the API's own origin always may.",
        examples=[["https://ops.example.org"]],
    )
    secure_cookies: bool = Field(
        default=False,
        description="Mark the session cookie Secure on every answer; answers to requests "
        "made over HTTPS (directly, or through a trusted proxy) always have it.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(
                    f"{proxy!r} is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
                ) from None
        return proxies

    @field_validator("allowed_hosts")
    @classmethod
    def _check_hosts(cls, hosts: list[str]) -> list[str]:
        for host in hosts:
            if not _HOST_PATTERN.match(host.lower()):
                raise ValueError(
                    f"{host!r} is not a host name, an address, '*.domain' or '*' "
                    "(no scheme, port or path)"
                )
        return hosts

    @field_validator("allowed_origins")
    @classmethod
    def _check_origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if not _ORIGIN_PATTERN.match(origin.lower()):
                raise ValueError(
                    f"{origin!r} is not an origin: scheme://host[:port], without a path"
                )
        return origins

    def hosts(self) -> list[str]:
        """The allowed Host names: as configured, or the local names and the listen address."""
        if self.allowed_hosts:
            return list(self.allowed_hosts)
        unspecified = self.host in ("0.0.0.0", "::")
        local = list(LOCAL_HOST_NAMES)
        return local if unspecified or self.host in local else [*local, self.host]


class LoggingConfig(StrictModel):
    """Log output."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Minimum level."
    )
    format: Literal["plain", "json"] = Field(default="plain", description="Line format.")
