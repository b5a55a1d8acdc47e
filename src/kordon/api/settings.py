"""The API's settings and TLS files from the site file's ``api:`` section."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kordon.api.context import ApiSettings
from kordon.api.server import TlsFiles
from kordon.config.storage import ApiConfig


def api_settings(api: ApiConfig, *, static_dir: Path | None) -> ApiSettings:
    """Hosts, origins, proxies and cookies as configured; ``static_dir`` is the web UI."""
    return ApiSettings(
        cookie_secure=api.secure_cookies,
        allowed_hosts=tuple(api.hosts()),
        allowed_origins=frozenset(o.lower() for o in api.allowed_origins),
        trusted_proxies=tuple(api.trusted_proxies),
        static_dir=static_dir,
    )


def tls_files(api: ApiConfig, resolve: Callable[[Path], Path]) -> TlsFiles | None:
    """The certificate and key (paths resolved against the site file), or ``None``."""
    if api.tls is None:
        return None
    return TlsFiles(certfile=resolve(api.tls.certificate), keyfile=resolve(api.tls.key))
