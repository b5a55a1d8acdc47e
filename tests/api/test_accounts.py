"""Accounts: argon2id hashing and rehash, input checks, demo admin, the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

from kordon.accounts.demo import ensure_demo_admin
from kordon.accounts.errors import InvalidUserInputError, UserExistsError
from kordon.accounts.passwords import PasswordHasherService, generate_password
from kordon.accounts.ratelimit import LoginRateLimiter, RateLimitPolicy
from kordon.accounts.roles import Role
from kordon.accounts.service import AccountService
from kordon.accounts.users import parse_role
from kordon.store import Store
from tests.api.fakes import T0, cheap_hasher


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'k.db'}") as s:
        yield s


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
    limiter = LoginRateLimiter(RateLimitPolicy(free_failures=1, base_lockout_s=1, max_lockout_s=4))
    keys = ("user:a",)
    waits = []
    for _ in range(5):
        limiter.failure(keys, 0.0)
        waits.append(limiter.retry_after_s(keys, 0.0))
    assert waits == [0.0, 1.0, 2.0, 4.0, 4.0]
    limiter.success(keys)
    assert limiter.retry_after_s(keys, 0.0) == 0.0


class _FakeSite:
    def __init__(self, url: str) -> None:
        self._url = url

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
