"""Fixtures of the API tests: a seeded site and a logged-in client helper.

``site`` is built on ``store_url`` (``tests/conftest.py``), so every API test that uses it
runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from kordon.api.app import create_api
from tests.api.fakes import PASSWORD, Site, build_site

with warnings.catch_warnings():
    # Starlette 1.x warns that its test client will move from httpx to httpx2; the httpx
    # client still works, and the warning would fail every test under -W error.
    warnings.simplefilter("ignore", UserWarning)
    from fastapi.testclient import TestClient

__all__ = ["TestClient", "login"]


@pytest.fixture
def site(tmp_path: Path, store_url: str) -> Iterator[Site]:
    built = build_site(tmp_path, database_url=store_url)
    yield built
    built.store.close()


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with TestClient(create_api(site.context), base_url="http://testserver") as c:
        yield c


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in (the cookie stays in ``client``); returns the CSRF token."""
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    return token
