"""A small real file system for disk-full tests: a tmpfs of a few MB (needs ``mount``: root or
CAP_SYS_ADMIN; skips with the reason elsewhere, fails under CI=true), and a filler that
takes all its free space."""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.requirements import require_or_skip

CHUNK = 64 * 1024


@contextmanager
def small_tmpfs(mount: Path, *, size: str) -> Iterator[Path]:
    mount.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        require_or_skip(f"cannot mount a small tmpfs here: {result.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(path: Path) -> int:
    """Write ``path`` until the file system answers ENOSPC; returns the bytes written."""
    written = 0
    with path.open("wb", buffering=0) as handle:
        for size in (CHUNK, 4096, 512, 1):  # smaller and smaller: leave no byte free
            block = b"\0" * size
            while True:
                try:
                    handle.write(block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
                written += size
    return written
