"""The site file's ``api:`` section: TLS, proxies, hosts, origins; and the API settings from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from kordon.api.server import TlsFiles
from kordon.api.settings import api_settings, tls_files
from kordon.config.storage import ApiConfig


def test_defaults_answer_only_local_names_over_plain_http() -> None:
    api = ApiConfig()
    assert api.tls is None
    assert api.hosts() == ["localhost", "127.0.0.1", "::1"]
    settings = api_settings(api, static_dir=None)
    assert settings.allowed_hosts == ("localhost", "127.0.0.1", "::1")
    assert settings.trusted_proxies == ()
    assert settings.allowed_origins == frozenset()
    assert settings.cookie_secure is False


@pytest.mark.parametrize(
    ("host", "hosts"),
    [
        ("10.1.2.3", ["localhost", "127.0.0.1", "::1", "10.1.2.3"]),
        ("0.0.0.0", ["localhost", "127.0.0.1", "::1"]),
        ("localhost", ["localhost", "127.0.0.1", "::1"]),
    ],
)
def test_the_listen_address_is_allowed_by_default(host: str, hosts: list[str]) -> None:
    assert ApiConfig(host=host).hosts() == hosts


def test_configured_values_reach_the_api_settings(tmp_path: Path) -> None:
    api = ApiConfig.model_validate(
        {
            "host": "0.0.0.0",
            "tls": {"certificate": "tls/cert.pem", "key": "/etc/kordon/key.pem"},
            "trusted_proxies": ["10.0.0.5", "10.1.0.0/16", "::1"],
            "allowed_hosts": ["kordon.example.org", "*.ops.example.org"],
            "allowed_origins": ["https://Wall.Example.org:8443"],
            "secure_cookies": True,
        }
    )
    settings = api_settings(api, static_dir=tmp_path)
    assert settings.allowed_hosts == ("kordon.example.org", "*.ops.example.org")
    assert settings.trusted_proxies == ("10.0.0.5", "10.1.0.0/16", "::1")
    assert settings.allowed_origins == frozenset({"https://wall.example.org:8443"})
    assert settings.cookie_secure is True
    assert settings.static_dir == tmp_path
    assert tls_files(api, lambda p: p if p.is_absolute() else tmp_path / p) == TlsFiles(
        certfile=tmp_path / "tls" / "cert.pem", keyfile=Path("/etc/kordon/key.pem")
    )
    assert tls_files(ApiConfig(), lambda p: p) is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("trusted_proxies", ["proxy.local"], "not an IP address or network"),
        ("trusted_proxies", ["10.0.0.0/33"], "not an IP address or network"),
        ("allowed_hosts", ["https://kordon.example.org"], "not a host name"),
        ("allowed_hosts", ["kordon.example.org:8080"], "not a host name"),
        ("allowed_hosts", ["ops.*.org"], "not a host name"),
        ("allowed_origins", ["https://ops.example.org/"], "not an origin"),
        ("allowed_origins", ["ops.example.org"], "not an origin"),
        ("allowed_origins", ["ftp://ops.example.org"], "not an origin"),
        ("tls", {"certificate": "c.pem"}, "Field required"),
        ("tls", {"certificate": "c.pem", "key": "k.pem", "password": "x"}, "Extra inputs"),
    ],
)
def test_bad_values_are_refused_with_the_reason(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ApiConfig.model_validate({field: value})
