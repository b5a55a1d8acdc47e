"""The first admin's password: a 0600 file and the terminal, never the log."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kordon.accounts.first_password import PASSWORD_FILE, hand_over_password
from kordon.accounts.service import AccountService
from kordon.app import build_node
from kordon.config.loader import load_site
from kordon.store import Store
from tests.support.demo_site import free_port, volyn_copy


class _Terminal(io.StringIO):
    """A stream that says it is an interactive terminal."""

    def isatty(self) -> bool:
        return True


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_password_file_is_private_and_replaces_an_older_one(tmp_path: Path) -> None:
    old = tmp_path / PASSWORD_FILE
    old.write_text("old, world-readable\n", encoding="utf-8")
    old.chmod(0o644)
    handover = hand_over_password("admin", "s3cret-Pass", directory=tmp_path, terminal=None)
    assert handover.path == old
    assert _mode(handover.path) == 0o600
    text = handover.path.read_text(encoding="utf-8")
    assert "user: admin\npassword: s3cret-Pass\n" in text
    assert "old" not in text
    assert not handover.on_terminal


def test_the_password_is_printed_on_a_terminal_only(tmp_path: Path) -> None:
    piped = io.StringIO()  # stderr redirected to a file or a log collector
    assert not hand_over_password("admin", "pw-1", directory=tmp_path, terminal=piped).on_terminal
    assert piped.getvalue() == ""
    tty = _Terminal()
    assert hand_over_password("admin", "pw-2", directory=tmp_path, terminal=tty).on_terminal
    assert "password pw-2" in tty.getvalue()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_first_start_keeps_the_password_out_of_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    config = load_site(volyn_copy(tmp_path))
    node = build_node(config, api_port=free_port(), web_dir=tmp_path / "no-ui")
    wanted = ("store", "ledger", "geometry", "incidents")
    services = [s for s in node.services.services if s.name in wanted]
    assert [s.name for s in services] == list(wanted)

    async def start_and_stop() -> None:
        started = []
        try:
            for service in services:
                await service.start()
                started.append(service)
        finally:
            for service in reversed(started):
                await service.stop()

    with caplog.at_level(logging.DEBUG):
        asyncio.run(start_and_stop())

    path = config.data_path() / PASSWORD_FILE
    assert _mode(path) == 0o600
    found = re.search(r"^password: (\S+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert found is not None
    password = found.group(1)
    assert len(password) >= 12
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert str(path) in logged
    assert password not in logged
    assert password not in capsys.readouterr().err  # stderr of a test is not a terminal
    store = Store(config.database_url())
    store.open()
    try:
        session = AccountService(store.sessions).login(
            username="admin",
            password=password,
            address="127.0.0.1",
            time=datetime(2025, 6, 1, tzinfo=UTC),
            now_s=0.0,
        )
        assert session.user.username == "admin"
    finally:
        store.close()
