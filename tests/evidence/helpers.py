"""Builders shared by the evidence tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kordon.evidence.entry import EntryKind
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def build_ledger(directory: Path, signer: Signer, count: int = 50, every: int = 10) -> None:
    """``count`` audit entries with a tree head every ``every`` entries."""
    with Ledger(directory, signer, tree_head_every=every) as ledger:
        for i in range(count):
            ledger.append(
                EntryKind.AUDIT,
                f"user{i % 3}",
                time=at(i),
                payload={"action": "view", "camera": "cam-1", "i": i},
            )


def ledger_lines(directory: Path) -> list[bytes]:
    return (directory / "ledger.jsonl").read_bytes().splitlines(keepends=True)


def write_lines(directory: Path, lines: list[bytes], name: str = "ledger.jsonl") -> None:
    (directory / name).write_bytes(b"".join(lines))
