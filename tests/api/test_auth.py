"""Login, logout, me; wrong passwords; rate limiting; expired and forged sessions; CSRF."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kordon.accounts.ratelimit import LoginRateLimiter, RateLimitPolicy
from kordon.api.app import create_api
from tests.api.conftest import login
from tests.api.fakes import PASSWORD, Site, build_site, flush_refusals


def test_login_me_logout(client: TestClient, site: Site) -> None:
    response = client.post(
        "/api/auth/login", json={"username": "operator", "password": "correct horse battery"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"username": "operator", "role": "operator", "sectors": ["s1"]}
    cookie = response.headers["set-cookie"]
    assert "kordon_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie
    me = client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["csrf_token"] == body["csrf_token"]
    out = client.post("/api/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]})
    assert out.status_code == 204
    assert client.get("/api/auth/me").status_code == 401


@pytest.mark.parametrize("backend", ["sqlite"])  # it reads the SQLite file itself
def test_session_token_is_not_stored_in_clear(client: TestClient, site: Site) -> None:
    login(client, "operator")
    token = client.cookies["kordon_session"]
    assert len(token) >= 43  # 256 bits, url-safe base64
    raw = (site.store.url.split("///")[1],)
    data = Path(raw[0]).read_bytes() + Path(raw[0] + "-wal").read_bytes()
    assert token.encode() not in data


def test_logged_out_session_cannot_be_replayed(client: TestClient) -> None:
    csrf = login(client, "operator")
    token = client.cookies["kordon_session"]
    client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    client.cookies.set("kordon_session", token)
    assert client.get("/api/auth/me").status_code == 401


def test_wrong_password_and_unknown_user_answer_401_and_are_audited(
    client: TestClient, site: Site
) -> None:
    for username, password in (("operator", "wrong password!"), ("nobody", "whatever1234")):
        response = client.post("/api/auth/login", json={"username": username, "password": password})
        assert response.status_code == 401
        assert response.json() == {"detail": "wrong username or password"}
    flush_refusals(client.app)
    refused = [r for r in site.audit.recent(100) if r.action == "login" and r.outcome == "refused"]
    assert {r.subject for r in refused} == {"operator", "nobody"}
    assert all(r.details["count"] == 1 for r in refused)


def test_disabled_user_cannot_log_in_and_loses_sessions(client: TestClient, site: Site) -> None:
    login(client, "operator")
    site.context.accounts.set_disabled("operator", disabled=True, time=site.clock())
    assert client.get("/api/auth/me").status_code == 401
    response = client.post(
        "/api/auth/login", json={"username": "operator", "password": "correct horse battery"}
    )
    assert response.status_code == 401


def test_rate_limit_locks_out_then_recovers_with_replayed_time(tmp_path: Path) -> None:
    site = build_site(
        tmp_path, limiter=LoginRateLimiter(RateLimitPolicy(free_failures=3, base_lockout_s=10.0))
    )
    bad = {"username": "operator", "password": "not the password"}
    with TestClient(create_api(site.context)) as client:
        for _ in range(3):
            assert client.post("/api/auth/login", json=bad).status_code == 401
        assert client.post("/api/auth/login", json=bad).status_code == 401  # 4th: locks 10 s
        locked = client.post(
            "/api/auth/login", json={"username": "operator", "password": "correct horse battery"}
        )
        assert locked.status_code == 429
        assert int(locked.headers["Retry-After"]) == 10
        site.clock.advance(9.0)
        assert client.post("/api/auth/login", json=bad).status_code == 429
        site.clock.advance(1.5)
        assert client.post("/api/auth/login", json=bad).status_code == 401  # 5th: locks 20 s
        again = client.post("/api/auth/login", json=bad)
        assert again.status_code == 429
        assert int(again.headers["Retry-After"]) == 20
        site.clock.advance(20.5)
        ok = client.post(
            "/api/auth/login", json={"username": "operator", "password": "correct horse battery"}
        )
        assert ok.status_code == 200
        flush_refusals(client.app)
    limited = [r for r in site.audit.recent(100) if r.outcome == "rate_limited"]
    assert [r.details["count"] for r in limited] == [3]
    site.store.close()


def test_rate_limit_per_address_covers_many_usernames(tmp_path: Path) -> None:
    site = build_site(
        tmp_path,
        limiter=LoginRateLimiter(address=RateLimitPolicy(free_failures=2, base_lockout_s=5.0)),
    )
    with TestClient(create_api(site.context)) as client:
        for name in ("a1", "a2", "a3"):
            response = client.post(
                "/api/auth/login", json={"username": name, "password": "guess guess guess"}
            )
            assert response.status_code == 401
        response = client.post(
            "/api/auth/login", json={"username": "admin", "password": "correct horse battery"}
        )
        assert response.status_code == 429
    site.store.close()


def test_six_wrong_passwords_lock_that_account_not_a_colleague_at_the_same_console(
    client: TestClient,
) -> None:
    bad = {"username": "operator", "password": "not the password"}
    statuses = [client.post("/api/auth/login", json=bad).status_code for _ in range(7)]
    assert statuses == [401] * 6 + [429]  # five free failures; the sixth locks the account
    locked = client.post("/api/auth/login", json={"username": "operator", "password": PASSWORD})
    assert locked.status_code == 429
    other = client.post("/api/auth/login", json={"username": "supervisor", "password": PASSWORD})
    assert other.status_code == 200


def test_idle_and_absolute_expiry(client: TestClient, site: Site) -> None:
    login(client, "operator")
    policy = site.context.accounts.sessions.policy
    site.clock.advance(policy.idle_timeout_s - 1)
    assert client.get("/api/auth/me").status_code == 200  # activity renews the idle timer
    site.clock.advance(policy.idle_timeout_s - 1)
    assert client.get("/api/auth/me").status_code == 200
    site.clock.advance(policy.idle_timeout_s + 1)
    assert client.get("/api/auth/me").status_code == 401
    login(client, "operator")
    steps = int(policy.absolute_timeout_s // (policy.idle_timeout_s / 2)) + 1
    statuses = []
    for _ in range(steps):
        site.clock.advance(policy.idle_timeout_s / 2)
        statuses.append(client.get("/api/auth/me").status_code)
    assert statuses[0] == 200
    assert statuses[-1] == 401


def test_forged_session_is_refused_and_audited(client: TestClient, site: Site) -> None:
    client.cookies.set("kordon_session", "A" * 43)
    response = client.get("/api/incidents")
    assert response.status_code == 401
    flush_refusals(client.app)
    refused = [r for r in site.audit.recent(10) if r.action == "session"]
    assert [(r.outcome, r.details["count"]) for r in refused] == [("refused", 1)]
    client.cookies.clear()
    assert client.get("/api/incidents").status_code == 401


def test_missing_or_wrong_csrf_is_403_changes_nothing_and_is_audited(
    client: TestClient, site: Site
) -> None:
    csrf = login(client, "operator")
    for headers in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": csrf[:-1]}):
        response = client.post("/api/incidents/inc1/acknowledge", json={}, headers=headers)
        assert response.status_code == 403
        assert response.json() == {"detail": "CSRF token missing or invalid"}
    assert site.store.incidents.get("inc1").incident.status == "open"
    assert sum(r.action == "csrf" for r in site.audit.recent(100)) == 3
    ok = client.post("/api/incidents/inc1/acknowledge", json={}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert ok.json()["status"] == "acknowledged"


def test_csrf_token_of_another_session_is_refused(site: Site) -> None:
    app = create_api(site.context)
    with TestClient(app) as alice, TestClient(app) as bob:
        login(alice, "operator")
        bob_csrf = login(bob, "operator-all")
        response = alice.post(
            "/api/incidents/inc1/acknowledge", json={}, headers={"X-CSRF-Token": bob_csrf}
        )
        assert response.status_code == 403
