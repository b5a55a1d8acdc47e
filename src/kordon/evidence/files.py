"""Files named by ledger entries: which file an entry describes, and re-hashing it.

A ``segment`` entry names its file in ``payload["path"]``; clip, snapshot and other file
entries in ``payload["file"]``; both are relative to the site's data directory. Evidence
files are write-once: the first entry that names a path is the one its bytes must match.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from kordon.evidence.entry import EntryKind, LedgerEntry

FILE_KEY = "file"
"""Payload key of a file entry: the file's path relative to the data directory."""
SEGMENT_PATH_KEY = "path"
"""Payload key of a ``segment`` entry (written before ``file`` existed; same meaning)."""

_CHUNK = 1 << 20


def entry_file(entry: LedgerEntry) -> str | None:
    """The data-dir-relative path of the file whose SHA-256 ``entry`` records, if any."""
    if entry.sha256 is None:
        return None
    value = entry.payload.get(FILE_KEY)
    if value is None and entry.kind is EntryKind.SEGMENT:
        value = entry.payload.get(SEGMENT_PATH_KEY)
    return value if isinstance(value, str) and value else None


def resolve_inside(data_dir: Path, path_rel: str) -> Path | None:
    """``data_dir / path_rel`` when ``path_rel`` is relative and stays inside, else ``None``."""
    pure = PurePosixPath(path_rel)
    if pure.is_absolute() or any(part in ("", ".", "..") for part in path_rel.split("/")):
        return None
    return data_dir.joinpath(*pure.parts)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def mismatch_message(path_rel: str, entry: LedgerEntry, actual: str) -> str:
    return (
        f"{path_rel} differs from ledger entry {entry.seq} ({entry.kind}): "
        f"sha256 is {actual[:16]}…, the ledger recorded {(entry.sha256 or '')[:16]}… "
        "(file edited or damaged since it was recorded)"
    )


@dataclass
class FileCheckReport:
    """What re-hashing every file named by the ledger found."""

    checked: int = 0
    missing: list[str] = field(default_factory=list)
    """Named by an entry but gone (retention deletes old segments)."""
    mismatched: list[tuple[str, LedgerEntry]] = field(default_factory=list)
    """(path, first entry naming it) whose bytes differ from that entry."""
    first_actual_sha256: str | None = None
    outside: list[tuple[str, LedgerEntry]] = field(default_factory=list)
    """Paths that are absolute or leave the data directory."""
    conflicting: list[tuple[str, LedgerEntry, LedgerEntry]] = field(default_factory=list)
    """A path recorded again later with a different hash: (path, first, later)."""


def first_entries(entries: Iterable[LedgerEntry]) -> tuple[dict[str, LedgerEntry], FileCheckReport]:
    """The first entry naming each file; conflicting later entries go into the report."""
    first: dict[str, LedgerEntry] = {}
    report = FileCheckReport()
    for entry in entries:
        path_rel = entry_file(entry)
        if path_rel is None:
            continue
        earlier = first.get(path_rel)
        if earlier is None:
            first[path_rel] = entry
        elif earlier.sha256 != entry.sha256:
            report.conflicting.append((path_rel, earlier, entry))
    return first, report


def check_files(entries: Iterable[LedgerEntry], data_dir: Path) -> FileCheckReport:
    """Re-hash every file the entries name (each against the first entry naming it)."""
    first, report = first_entries(entries)
    for path_rel, entry in first.items():
        path = resolve_inside(data_dir, path_rel)
        if path is None:
            report.outside.append((path_rel, entry))
            continue
        if not path.is_file():
            report.missing.append(path_rel)
            continue
        report.checked += 1
        actual = sha256_file(path)
        if actual != entry.sha256:
            if not report.mismatched:
                report.first_actual_sha256 = actual
            report.mismatched.append((path_rel, entry))
    return report
