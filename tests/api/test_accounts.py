"""Accounts: argon2id hashing and rehash, input checks, demo admin, the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from kordon.accounts.demo import ensure_demo_admin
from kordon.accounts.errors import InvalidUserInputError, UserExistsError
from kordon.accounts.passwords import PasswordHasherService, generate_password
from kordon.accounts.ratelimit import FailureCounter, LoginRateLimiter, RateLimitPolicy
from kordon.accounts.roles import Role
from kordon.accounts.service import AccountService
from kordon.accounts.users import parse_role
from kordon.store import Store
from tests.api.fakes import T0, cheap_hasher


def test_hash_is_argon2id_and_rehashed_when_parameters_change() -> None:
    old = PasswordHasherService(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    new = PasswordHasherService(PasswordHasher(time_cost=2, memory_cost=64, parallelism=1))
    stored = old.hash("a long password")
    assert stored.startswith("$argon2id$")
    assert old.verify(stored, "a long password").new_hash is None
    result = new.verify(stored, "a long password")
    assert result.ok
    assert result.new_hash is not None
    assert "t=2" in result.new_hash
    assert not new.verify(stored, "wrong").ok


def test_login_rehashes_outdated_hash(store: Store) -> None:
    old = AccountService(store.sessions, hasher=cheap_hasher())
    old.create_user(username="ana", password="a long password", role=Role.OPERATOR, time=T0)
    stronger = PasswordHasherService(PasswordHasher(time_cost=2, memory_cost=64, parallelism=1))
    new = AccountService(store.sessions, hasher=stronger)
    new.login(username="ana", password="a long password", address="x", time=T0, now_s=0.0)
    assert "t=2" in new.users.get_with_hash("ana")[1]


@pytest.mark.parametrize(
    ("username", "password", "sectors"),
    [
        ("A", "a long password", []),
        ("ok-name", "short", []),
        ("ok-name", "a long password", ["bad sector!"]),
        ("../etc", "a long password", []),
    ],
)
def test_bad_user_input_is_refused(
    store: Store, username: str, password: str, sectors: list[str]
) -> None:
    accounts = AccountService(store.sessions, hasher=cheap_hasher())
    with pytest.raises(InvalidUserInputError):
        accounts.create_user(
            username=username, password=password, role=Role.ADMIN, sectors=sectors, time=T0
        )
    assert accounts.users.list_all() == []


def test_duplicate_user_and_unknown_role() -> None:
    with pytest.raises(InvalidUserInputError, match="valid roles"):
        parse_role("root")


def test_duplicate_username_is_refused(store: Store) -> None:
    accounts = AccountService(store.sessions, hasher=cheap_hasher())
    accounts.create_user(username="ana", password="a long password", role=Role.ADMIN, time=T0)
    with pytest.raises(UserExistsError):
        accounts.create_user(username="ana", password="another password", role=Role.ADMIN, time=T0)


def test_ensure_demo_admin_only_once(store: Store) -> None:
    password = ensure_demo_admin(store, time=T0, hasher=cheap_hasher())
    assert password is not None
    assert len(password) >= 20
    assert ensure_demo_admin(store, time=T0, hasher=cheap_hasher()) is None
    users = AccountService(store.sessions).users.list_all()
    assert [(u.username, u.role) for u in users] == [("admin", Role.ADMIN)]


def test_generated_passwords_differ() -> None:
    assert len({generate_password() for _ in range(50)}) == 50


def test_limiter_backoff_doubles_and_caps() -> None:
    counter = FailureCounter(RateLimitPolicy(free_failures=1, base_lockout_s=1, max_lockout_s=4))
    waits = []
    for _ in range(5):
        counter.failure("a", 0.0)
        waits.append(counter.retry_after_s("a", 0.0))
    assert waits == [0.0, 1.0, 2.0, 4.0, 4.0]
    assert counter.retry_after_s("a", 3.0) == 1.0
    counter.forget("a")
    assert counter.retry_after_s("a", 0.0) == 0.0


def test_one_accounts_failures_do_not_lock_another_account_at_the_same_address() -> None:
    limiter = LoginRateLimiter()  # the shipped policies
    for _ in range(6):
        limiter.failure(username="ana", address="10.0.0.9", now_s=0.0)
    assert limiter.retry_after_s(username="ana", address="10.0.0.9", now_s=0.0) > 0
    assert limiter.retry_after_s(username="ANA", address="10.0.0.7", now_s=0.0) > 0
    assert limiter.retry_after_s(username="bo", address="10.0.0.9", now_s=0.0) == 0.0


def test_address_is_locked_after_its_own_allowance_across_accounts() -> None:
    limiter = LoginRateLimiter(
        account=RateLimitPolicy(free_failures=2), address=RateLimitPolicy(free_failures=3)
    )
    for name in ("a1", "a2", "a3"):
        limiter.failure(username=name, address="10.0.0.9", now_s=0.0)
    assert limiter.retry_after_s(username="a4", address="10.0.0.9", now_s=0.0) == 0.0
    limiter.failure(username="a4", address="10.0.0.9", now_s=0.0)  # the address's 4th
    assert limiter.retry_after_s(username="bo", address="10.0.0.9", now_s=0.0) == 2.0
    assert limiter.retry_after_s(username="bo", address="10.0.0.8", now_s=0.0) == 0.0


def test_success_clears_the_account_but_not_the_address() -> None:
    limiter = LoginRateLimiter(
        account=RateLimitPolicy(free_failures=1), address=RateLimitPolicy(free_failures=1)
    )
    limiter.failure(username="ana", address="10.0.0.9", now_s=0.0)
    limiter.failure(username="ana", address="10.0.0.9", now_s=0.0)
    assert limiter.retry_after_s(username="ana", address="10.0.0.1", now_s=0.0) == 2.0
    limiter.success(username="ana")
    assert limiter.retry_after_s(username="ana", address="10.0.0.1", now_s=0.0) == 0.0
    assert limiter.retry_after_s(username="ana", address="10.0.0.9", now_s=0.0) == 2.0


def test_failure_counter_is_bounded_and_forgets_old_keys() -> None:
    counter = FailureCounter(RateLimitPolicy(forget_after_s=10.0), max_keys=4)
    for n in range(4):
        counter.failure(f"k{n}", float(n))
    counter.failure("new", 20.0)  # all four are older than 10 s: forgotten
    assert len(counter) == 1
    for n in range(3):
        counter.failure(f"m{n}", 21.0 + n)
    counter.failure("last", 24.0)  # none old enough: the oldest half goes
    assert len(counter) == 3


@dataclass(frozen=True)
class _Named:
    id: str


class _FakeSite:
    """What ``kordon user`` reads of a site: its database, id and sectors."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.site = _Named("test-site")
        self.sectors = (_Named("s1"), _Named("s2"))

    def database_url(self) -> str:
        return self._url


def test_cli_create_list_disable_reset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kordon.cli import user_cmd

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setattr(user_cmd, "load_site_or_exit", lambda _path: _FakeSite(url))
    app = user_cmd.app
    site = str(tmp_path / "site.yaml")
    runner = CliRunner()
    result = runner.invoke(app, ["create", site, "--username", "ana", "--role", "admin"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password: ")[1].split()[0]
    assert len(password) >= 20
    result = runner.invoke(app, ["create", site, "--username", "ana", "--role", "admin"])
    assert result.exit_code == 1
    assert "already exists" in result.output
    result = runner.invoke(app, ["create", site, "-u", "bo", "--role", "root"])
    assert result.exit_code == 1
    assert "valid roles" in result.output
    result = runner.invoke(
        app,
        ["create", site, "-u", "bo", "--role", "auditor", "--sectors", "s1,s2", "--password-stdin"],
        input="a long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "password: " not in result.output
    result = runner.invoke(app, ["list", site])
    assert "ana" in result.output
    assert "s1,s2" in result.output
    assert runner.invoke(app, ["disable", site, "-u", "bo"]).exit_code == 0
    assert runner.invoke(app, ["reset-password", site, "-u", "ana"]).exit_code == 0
    with Store(url) as store:
        accounts = AccountService(store.sessions)
        assert accounts.users.get("bo").disabled
        assert accounts.users.get("bo").sectors == ("s1", "s2")
        assert accounts.users.get("ana").updated_at >= accounts.users.get("ana").created_at
