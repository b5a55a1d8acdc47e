"""``kordon user create``: sectors must be the site's; a refused account is not created."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kordon.accounts.service import AccountService
from kordon.cli.main import app
from kordon.config.loader import load_site
from kordon.store import Store
from tests.support.demo_site import volyn_copy

PASSWORD = "correct horse battery staple\n"


def _create(site: Path, username: str, sectors: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "user",
            "create",
            str(site),
            "--username",
            username,
            "--role",
            "operator",
            "--sectors",
            sectors,
            "--password-stdin",
        ],
        input=PASSWORD,
    )
    return result.exit_code, result.stdout, result.stderr


def _usernames(site: Path) -> dict[str, tuple[str, ...]]:
    store = Store(load_site(site).database_url())
    store.open()
    try:
        return {
            u.username: tuple(u.sectors) for u in AccountService(store.sessions).users.list_all()
        }
    finally:
        store.close()


def test_unknown_sectors_are_refused_with_the_valid_ones_listed(tmp_path: Path) -> None:
    site = volyn_copy(tmp_path)
    code, out, err = _create(site, "op-bogus", "s1-tripoint, s9-bogus,s8")
    assert code == 2, out + err
    assert "unknown sector(s) 's9-bogus', 's8' in --sectors" in err
    assert "s1-tripoint, s2-centre, s3-east" in err
    assert "op-bogus" not in _usernames(site)


def test_known_sectors_are_accepted(tmp_path: Path) -> None:
    site = volyn_copy(tmp_path)
    code, out, err = _create(site, "op-east", "s3-east, s2-centre")
    assert code == 0, out + err
    assert "created op-east (operator)" in out
    assert _usernames(site)["op-east"] == ("s3-east", "s2-centre")
