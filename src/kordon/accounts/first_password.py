"""Handing the first admin's generated password to the person who started the node.

The password never goes through logging (logs are collected, shipped and kept). It is
written to a file only its owner can read (mode 0600) in the data directory, and printed
on the terminal when standard error is one; the log only says where the file is.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

PASSWORD_FILE = "initial-admin-password.txt"


@dataclass(frozen=True, slots=True)
class PasswordHandover:
    """Where the password went: the file, and whether it was shown on a terminal."""

    path: Path
    on_terminal: bool


def hand_over_password(
    username: str, password: str, *, directory: Path, terminal: TextIO | None
) -> PasswordHandover:
    """Write ``password`` to ``directory/initial-admin-password.txt`` (mode 0600, created
    afresh: an older file is replaced, never reused with its permissions), and print it on
    ``terminal`` when that is an interactive terminal."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / PASSWORD_FILE
    path.unlink(missing_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        text = (
            f"user: {username}\npassword: {password}\n"
            "Shown once: change it with `kordon user reset-password`, then delete this file.\n"
        )
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    on_terminal = terminal is not None and terminal.isatty()
    if on_terminal and terminal is not None:
        terminal.write(
            f"\nfirst start: created user {username!r} with password {password}\n"
            f"(shown only now; also in {path}, readable only by you)\n\n"
        )
        terminal.flush()
    return PasswordHandover(path=path, on_terminal=on_terminal)
