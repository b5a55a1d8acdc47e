"""The browser side (issue 9, item 7): security headers, allowed hosts and origins, Secure
cookies over HTTPS (direct TLS or a trusted proxy), and TLS served by the node itself."""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.websockets import WebSocketDisconnect

from kordon.api.app import create_api
from kordon.api.security_headers import UI_POLICY
from kordon.api.server import ApiServer, ApiServerError, TlsFiles
from tests.api.conftest import TestClient, login
from tests.api.fakes import PASSWORD, Site, client_settings, flush_refusals
from tests.api.raw_http import raw_request, running_server

HARDENING = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": UI_POLICY,
}


def _app(site: Site, **settings: Any) -> Any:
    return create_api(replace(site.context, settings=client_settings(**settings)))


def test_every_answer_carries_the_hardening_headers(site: Site, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("<html>ui</html>")
    with TestClient(_app(site, static_dir=dist)) as client:
        answers = {
            "ui": client.get("/"),
            "spa": client.get("/incidents/inc1"),
            "401": client.get("/api/auth/me"),
            "404": client.get("/api/nothing"),
            "openapi": client.get("/api/openapi.json"),
            "422": client.post("/api/auth/login", json={}),
        }
        login(client, "operator")
        answers["json"] = client.get("/api/incidents")
    for name, response in answers.items():
        got = {h: response.headers.get(h) for h in HARDENING}
        assert got == HARDENING, name
        assert "strict-transport-security" not in response.headers, name


def test_the_ui_policy_allows_what_the_web_ui_needs_and_nothing_foreign() -> None:
    directives = dict(d.split(" ", 1) for d in UI_POLICY.split("; "))
    assert directives["script-src"] == "'self'"  # no inline or foreign script
    assert directives["worker-src"] == "'self' blob:"  # the MapLibre worker
    assert "data:" in directives["img-src"]  # MIL-STD-2525 symbols are data: URLs
    assert directives["connect-src"] == "'self'"  # API and WebSocket on the same origin
    assert directives["frame-ancestors"] == "'none'"
    assert "http" not in UI_POLICY


def test_hsts_only_over_https(site: Site) -> None:
    with TestClient(_app(site), base_url="https://testserver") as client:
        response = client.get("/api/auth/me")
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_api_docs_page_has_its_own_policy_allowing_only_its_own_scripts(site: Site) -> None:
    with TestClient(_app(site)) as client:
        response = client.get("/api/docs")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert re.search(r"<script>", response.text) is None  # no inline script
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src "))
    assert script_src == "script-src 'self'"
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("base_url", "cookie_secure", "secure"),
    [
        ("http://testserver", False, False),
        ("https://testserver", False, True),
        ("http://testserver", True, True),
    ],
)
def test_session_cookie_is_secure_over_https_or_when_configured(
    site: Site, base_url: str, cookie_secure: bool, secure: bool
) -> None:
    with TestClient(_app(site, cookie_secure=cookie_secure), base_url=base_url) as client:
        response = client.post(
            "/api/auth/login", json={"username": "operator", "password": PASSWORD}
        )
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert ("; Secure" in cookie) is secure, cookie
    assert "HttpOnly" in cookie


def test_foreign_host_is_refused_on_http_and_on_the_websocket(site: Site) -> None:
    """DNS rebinding: a foreign page whose name resolves to the node sends its own name as
    both Host and Origin; the same-origin check alone would accept the WebSocket."""
    app = _app(site)
    foreign = {"host": "evil.example", "origin": "http://evil.example"}
    with TestClient(app) as client:
        login(client, "operator")
        refused = client.get("/api/incidents", headers={"host": "evil.example"})
        assert refused.status_code == 400
        assert refused.json() == {"detail": "Host header not allowed"}
        assert refused.headers["x-frame-options"] == "DENY"
        with (
            pytest.raises(WebSocketDisconnect) as info,
            client.websocket_connect("/api/live", headers=foreign),
        ):
            pass
        assert info.value.code == 1008
        with client.websocket_connect("/api/live", headers={"origin": "http://testserver"}):
            pass  # the allowed host with its own origin still connects


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("ops.example.org", True),
        ("OPS.Example.org:8443", True),
        ("example.org", False),
        ("example.org.evil.test", False),
        ("evil-example.org", False),
        ("[::1]:8080", True),
        ("", False),
    ],
)
def test_allowed_host_patterns(site: Site, host: str, allowed: bool) -> None:
    app = _app(site, allowed_hosts=("*.example.org", "::1"))
    with TestClient(app) as client:
        status = client.get("/api/auth/me", headers={"host": host}).status_code
    assert (status != 400) is allowed


def test_forwarded_headers_count_only_from_a_trusted_proxy(site: Site) -> None:
    forwarded = {"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"}
    body = {"username": "operator", "password": PASSWORD}
    for trusted, address, secure in (
        (("testclient",), "203.0.113.7", True),  # TestClient connects as "testclient"
        (("10.0.0.1",), "testclient", False),
    ):
        audit_before = len(site.audit.recent(1000))
        with TestClient(_app(site, trusted_proxies=trusted)) as client:
            response = client.post("/api/auth/login", json=body, headers=forwarded)
            assert response.status_code == 200
            assert ("; Secure" in response.headers["set-cookie"]) is secure
            wrong = client.post(
                "/api/auth/login", json={**body, "password": "wrong!"}, headers=forwarded
            )
            assert wrong.status_code == 401
            flush_refusals(client.app)
        records = site.audit.recent(1000)[: len(site.audit.recent(1000)) - audit_before]
        assert {r.details["address"] for r in records} == {address}


def _self_signed(directory: Path) -> tuple[TlsFiles, ssl.SSLContext]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    client = ssl.create_default_context(cafile=str(certfile))
    return TlsFiles(certfile=certfile, keyfile=keyfile), client


def test_the_node_serves_https_with_secure_cookies_and_hsts(site: Site, tmp_path: Path) -> None:
    tls, client_tls = _self_signed(tmp_path)
    app = _app(site, allowed_hosts=("127.0.0.1",))
    with running_server(app, tls=tls) as server:
        assert server.url.startswith("https://127.0.0.1:")
        me = raw_request(server.port, b"/api/auth/me", tls=client_tls)
        login_body = b'{"username": "operator", "password": "correct horse battery"}'
        logged_in = raw_request(
            server.port,
            b"/api/auth/login",
            method=b"POST",
            headers={"Content-Type": "application/json"},
            body=login_body,
            tls=client_tls,
        )
        assert not _plain_answer(server.port).startswith(b"HTTP/")  # no plain HTTP on TLS
    assert me.status == 401
    assert me.headers["strict-transport-security"] == "max-age=31536000"
    assert logged_in.status == 200
    assert "; Secure" in logged_in.headers["set-cookie"]


def _plain_answer(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as plain:
        plain.sendall(b"GET /api/auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            return plain.recv(100)
        except ConnectionResetError:
            return b""


def test_unreadable_certificate_is_a_clear_start_error(site: Site, tmp_path: Path) -> None:
    import asyncio

    server = ApiServer(
        _app(site),
        host="127.0.0.1",
        port=0,
        tls=TlsFiles(certfile=tmp_path / "missing.pem", keyfile=tmp_path / "missing.key"),
    )
    with pytest.raises(ApiServerError, match="cannot load the TLS certificate and key"):
        asyncio.run(server.start())


def test_server_stop_writes_the_pending_refusal_counts(site: Site) -> None:
    app = _app(site, allowed_hosts=("127.0.0.1",))
    with running_server(app) as server:
        for _ in range(3):
            response = raw_request(
                server.port, b"/api/incidents", headers={"Cookie": "kordon_session=forged"}
            )
            assert response.status == 401
        assert [r for r in site.audit.recent(10) if r.action == "session"] == []
    refused = [r for r in site.audit.recent(10) if r.action == "session"]
    assert [(r.details["address"], r.details["count"]) for r in refused] == [("127.0.0.1", 3)]
