"""Paths and bodies as an attacker writes them, never normalised by a client (issue 9, items 6
and 12): traversal, NUL and lone surrogates answer 400/404/422 and never a file or a 500."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi import FastAPI

from kordon.api.app import create_api
from kordon.api.app_type import KordonApi
from kordon.api.static import spa_router
from tests.api.conftest import TestClient, login
from tests.api.fakes import Site, client_settings
from tests.api.raw_http import asgi_request, raw_request, running_server

SECRET = b"top secret, outside the UI"


def _ui_app(site: Site, tmp_path: Path) -> KordonApi:
    """The API with a built UI in ``tmp_path/ui/dist`` and a secret beside it."""
    dist = tmp_path / "ui" / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>ui</html>")
    (dist / "app.js").write_text("js")
    (dist / "assets" / "a.css").write_text("css")
    (tmp_path / "ui" / "secret.txt").write_bytes(SECRET)
    (dist / "link.txt").symlink_to(tmp_path / "ui" / "secret.txt")
    settings = client_settings(static_dir=dist, allowed_hosts=("testserver", "127.0.0.1"))
    return create_api(replace(site.context, settings=settings))


def _traversals(tmp_path: Path) -> list[bytes]:
    secret = str(tmp_path / "ui" / "secret.txt").encode()
    return [
        b"/../secret.txt",
        b"/%2e%2e/secret.txt",
        b"/%2E%2E%2Fsecret.txt",
        b"/..%2fsecret.txt",
        b"/assets/../../secret.txt",
        b"/assets/%2e%2e/%2e%2e/secret.txt",
        b"/./../secret.txt",
        b"/..\\secret.txt",
        b"/" + secret,
        b"/%2f" + secret[1:],
        b"/link.txt",
    ]


def test_traversal_guard_answers_raw_paths_sent_to_a_real_server(
    site: Site, tmp_path: Path
) -> None:
    app = _ui_app(site, tmp_path)
    with running_server(app) as server:
        served = raw_request(server.port, b"/assets/a.css")
        assert (served.status, served.body) == (200, b"css")  # the raw helper reaches files
        fallback = raw_request(server.port, b"/incidents/inc1")
        assert (fallback.status, fallback.body) == (200, b"<html>ui</html>")
        answers = {t: raw_request(server.port, t) for t in _traversals(tmp_path)}
    wrong = {t: (r.status, r.body[:40]) for t, r in answers.items() if r.status not in (400, 404)}
    assert not wrong, wrong
    assert not [t for t, r in answers.items() if SECRET in r.body or b"<html>" in r.body]


def test_traversal_guard_answers_raw_asgi_paths(site: Site, tmp_path: Path) -> None:
    app = _ui_app(site, tmp_path)
    secret = str(tmp_path / "ui" / "secret.txt")
    for path, status in (
        ("/../secret.txt", 400),
        ("/assets/../../secret.txt", 400),
        ("/" + secret, 404),
        ("/link.txt", 404),
        ("/index.html\x00.js", 400),
    ):
        response = asgi_request(app, path)
        assert response.status == status, path
        assert SECRET not in response.body


def test_spa_router_alone_refuses_nul_and_traversal(tmp_path: Path) -> None:
    """The guard holds without the app's URL check in front of it."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("ui")
    bare = FastAPI()
    bare.include_router(spa_router(dist))
    assert asgi_request(bare, "/index.html").body == b"ui"
    for path in ("/index.html\x00.js", "/../dist/index.html", "/a\\..\\b"):
        response = asgi_request(bare, path)
        assert response.status == 400, path
        assert json.loads(response.body) == {"detail": "invalid path"}


@pytest.mark.parametrize(
    "target",
    [b"/index.html%00.js", b"/api/incidents/%00", b"/api/events?camera=a%00b", b"/x%0a.js"],
)
def test_control_characters_in_the_url_are_400_before_anything_else(
    site: Site, tmp_path: Path, target: bytes
) -> None:
    app = _ui_app(site, tmp_path)
    with running_server(app) as server:
        response = raw_request(server.port, target)
    assert response.status == 400
    assert json.loads(response.body) == {"detail": "control characters are not allowed in the URL"}


@pytest.mark.parametrize(
    "body",
    [
        b'{"username": "\\ud800", "password": "x"}',
        b'{"username": "operator", "password": "\\udfff\\ud800"}',
        b'{"username": "operator", "password": "pass\\u0000word"}',
        b'{"username": "operator", "password": "x", "\\ud800": 1}',
    ],
)
def test_unsafe_text_in_a_login_body_is_422_with_a_readable_answer(
    client: TestClient, body: bytes
) -> None:
    response = client.post(
        "/api/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list)
    assert detail
    response.content.decode("utf-8")  # strict: the answer is valid UTF-8


def test_unsafe_text_in_a_note_is_422_and_stores_nothing(client: TestClient, site: Site) -> None:
    csrf = login(client, "operator")
    for text in ("nul \\u0000 here", "lone \\ud83d surrogate"):
        response = client.post(
            "/api/incidents/inc1/notes",
            content=f'{{"text": "{text}"}}'.encode(),
            headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
        )
        assert response.status_code == 422
        assert "NUL or unpaired surrogates" in response.text
    assert site.store.incidents.get("inc1").version == 1  # nothing was written
