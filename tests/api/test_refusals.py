"""Refused unauthenticated attempts: counted per source per interval, audited bounded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kordon.accounts.ratelimit import LoginRateLimiter, RateLimitPolicy
from kordon.api.app import create_api
from kordon.api.audit_log import LedgerAuditLog, MemoryAuditLog
from kordon.api.refusals import OTHER_REASON, OVERFLOW, RefusedAttempts, Source
from kordon.evidence.entry import EntryKind
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from tests.api.conftest import TestClient
from tests.api.fakes import PASSWORD, T0, build_site, flush_refusals

LOGIN = Source("login", "refused", "10.0.0.1", "ana")
SESSION = Source("session", "refused", "10.0.0.2")


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_one_entry_per_source_per_interval_with_counts_and_times() -> None:
    audit = MemoryAuditLog()
    refusals = RefusedAttempts(audit, interval_s=60.0)  # T0 is on a minute boundary
    for n in range(5):
        refusals.count(LOGIN, reason="wrong username or password", time=_at(n))
    refusals.count(SESSION, reason="unknown session", time=_at(10))
    refusals.count(SESSION, reason="session expired (idle)", time=_at(20))
    assert audit.recent(10) == []
    assert refusals.flush(_at(59)) == 0  # the interval has not ended
    assert refusals.pending == 7

    refusals.count(SESSION, reason="unknown session", time=_at(61))  # next interval
    written = {(r.action, r.details["address"]): r for r in audit.recent(10)}
    assert set(written) == {("login", "10.0.0.1"), ("session", "10.0.0.2")}
    login = written["login", "10.0.0.1"]
    assert (login.actor, login.subject, login.outcome) == ("ana", "ana", "refused")
    assert login.details["count"] == 5
    assert login.details["first"] == _at(0).isoformat()
    assert login.details["last"] == _at(4).isoformat()
    assert login.details["reasons"] == {"wrong username or password": 5}
    session = written["session", "10.0.0.2"]
    assert session.details["count"] == 2
    assert session.details["reasons"] == {"unknown session": 1, "session expired (idle)": 1}
    assert refusals.pending == 1

    assert refusals.flush(_at(119)) == 0
    assert refusals.flush(_at(120)) == 1  # the second interval ended
    assert audit.recent(1)[0].details["count"] == 1
    assert refusals.pending == 0


def test_flush_everything_writes_the_running_interval() -> None:
    audit = MemoryAuditLog()
    refusals = RefusedAttempts(audit, interval_s=60.0)
    refusals.count(LOGIN, reason="x", time=_at(1))
    assert refusals.flush(_at(2), everything=True) == 1
    assert [r.details["count"] for r in audit.recent(5)] == [1]
    assert refusals.flush(_at(3), everything=True) == 0


def test_many_sources_are_bounded_by_an_overflow_entry_that_keeps_the_count() -> None:
    audit = MemoryAuditLog()
    refusals = RefusedAttempts(audit, interval_s=60.0, max_sources=3, max_reasons=2)
    for n in range(10):
        source = Source("session", "refused", f"10.0.1.{n}")
        refusals.count(source, reason=f"reason {n % 4}", time=_at(n))
    assert refusals.flush(_at(60)) == 4
    records = audit.recent(10)
    assert sum(int(str(r.details["count"])) for r in records) == 10
    overflow = [r for r in records if r.details["address"] == OVERFLOW]
    assert len(overflow) == 1
    assert overflow[0].details["count"] == 7
    # addresses 3..9 give reasons 3, 0, 1, 2, 3, 0, 1: two kept by name, the rest "other"
    assert overflow[0].details["reasons"] == {"reason 3": 2, "reason 0": 2, OTHER_REASON: 3}


def test_naive_time_is_refused() -> None:
    refusals = RefusedAttempts(MemoryAuditLog())
    with pytest.raises(ValueError, match="timezone-aware"):
        refusals.count(LOGIN, reason="x", time=datetime(2025, 1, 1))


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with Ledger(tmp_path / "ledger", Signer.generate(), tree_head_every=0) as opened:
        yield opened


def test_forged_cookies_and_rate_limited_logins_grow_the_ledger_by_a_bounded_count(
    tmp_path: Path, ledger: Ledger
) -> None:
    """The probe of issue 9: 800 forged-cookie requests and rate-limited logins appended
    805 ledger entries; now one per source and interval, with the counts (400 here)."""
    site = build_site(
        tmp_path, limiter=LoginRateLimiter(RateLimitPolicy(free_failures=2, base_lockout_s=900))
    )
    audit = LedgerAuditLog(ledger)
    app = create_api(replace(site.context, audit=audit, audit_reader=audit))
    before = ledger.size
    bad_login = {"username": "operator", "password": "not the password"}
    statuses: dict[int, int] = {}
    with TestClient(app) as client:
        client.cookies.set("kordon_session", "A" * 43)
        for n in range(400):
            status = client.get("/api/incidents").status_code
            statuses[status] = statuses.get(status, 0) + 1
            if n % 8 == 0:
                status = client.post("/api/auth/login", json=bad_login).status_code
                statuses[status] = statuses.get(status, 0) + 1
            site.clock.advance(0.2)  # 80 s in all: two intervals
        during = ledger.size - before
        flush_refusals(app)  # what the API server does at stop
    after = ledger.size - before
    assert statuses == {401: 403, 429: 47}  # 2 free failures, the 3rd locks for 15 min
    assert during == 3  # the first interval, written when the second began
    assert after == 5  # and the second: sessions and rate-limited logins
    entries = [ledger.entry(seq) for seq in range(before, ledger.size)]
    assert all(e.kind is EntryKind.AUDIT for e in entries)
    counts: dict[tuple[str, str], int] = {}
    for entry in entries:
        key = (str(entry.payload["action"]), str(entry.payload["outcome"]))
        details = entry.payload["details"]
        assert isinstance(details, dict)
        assert details["address"] == "testclient"
        counts[key] = counts.get(key, 0) + int(str(details["count"]))
    assert counts == {
        ("session", "refused"): 400,
        ("login", "refused"): 3,
        ("login", "rate_limited"): 47,
    }
    site.store.close()


def test_a_successful_login_is_still_audited_at_once(tmp_path: Path) -> None:
    site = build_site(tmp_path)
    with TestClient(create_api(site.context)) as client:
        response = client.post(
            "/api/auth/login", json={"username": "operator", "password": PASSWORD}
        )
        assert response.status_code == 200
        ok = [r for r in site.audit.recent(5) if r.action == "login"]
        assert [(r.actor, r.outcome, r.details["address"]) for r in ok] == [
            ("operator", "ok", "testclient")
        ]
    site.store.close()
