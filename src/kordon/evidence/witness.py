"""Tree-head witnesses: the latest signed tree head, kept where the ledger file cannot rewrite it.

A signed tree head proves the entries up to it, but cutting ``ledger.jsonl`` and
``tree_heads.jsonl`` back to an earlier head leaves a ledger that verifies. Each time the
ledger signs a head it also hands it to its witnesses (a file outside ``ledger/`` with its
own fsync, and the site database); opening and verifying the ledger compare against them.
A witness never goes back: a head smaller than the one it holds is refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kordon.evidence.errors import EntryError, WitnessError
from kordon.evidence.jsonl import fsync_dir
from kordon.evidence.keys import Verifier
from kordon.evidence.records import decode_tree_head_line
from kordon.evidence.tree_head import SignedTreeHead

WITNESS_FILE = "ledger-witness.json"
"""The file witness, relative to the data directory (beside ``ledger/``, not inside it)."""


class TreeHeadWitness(Protocol):
    """Keeps the latest signed tree head somewhere else than the ledger directory."""

    @property
    def name(self) -> str:
        """Where the witness lives, for messages (``witness file /x``, ``database``)."""
        ...

    def load(self) -> SignedTreeHead | None:
        """The witnessed head, ``None`` when nothing was witnessed yet; :class:`WitnessError`."""
        ...

    def record(self, head: SignedTreeHead) -> None:
        """Keep ``head`` durably; :class:`WitnessError` when it is older than the one held."""
        ...


@dataclass(frozen=True)
class WitnessedHead:
    """A head read from one witness, named by where it came from."""

    source: str
    head: SignedTreeHead


def check_witnessed(
    witnessed: WitnessedHead,
    *,
    ledger_size: int,
    root_at: Callable[[int], bytes],
    keys: Mapping[str, Verifier],
) -> str | None:
    """Compare the ledger against a witnessed head; a problem description, or ``None``.

    ``root_at(n)`` is the ledger's Merkle root over its first ``n`` entries; ``keys`` the
    keys trusted to have signed the head (by key id).
    """
    head = witnessed.head
    label = f"{witnessed.source} holds a signed tree head at size {head.tree_size}"
    verifier = keys.get(head.key_id)
    if verifier is None or not head.signature_valid(verifier):
        return f"{label} whose signature does not verify with a site key (witness altered?)"
    if ledger_size < head.tree_size:
        return (
            f"rollback: {label}, but the ledger has only {ledger_size} entries "
            f"(entries {ledger_size}..{head.tree_size - 1} were cut off)"
        )
    if root_at(head.tree_size) != head.root:
        return (
            f"rewrite: {label}, but the ledger's first {head.tree_size} entries have a "
            "different root (entries were replaced)"
        )
    return None


class FileWitness:
    """The latest head in one file (``<data_dir>/ledger-witness.json``), replaced atomically.

    Written to a temporary file, synced, renamed over the old one, then the directory is
    synced: a crash leaves either the old head or the new one, never half of one.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._held: SignedTreeHead | None = None
        self._loaded = False

    @property
    def name(self) -> str:
        return f"witness file {self._path}"

    @property
    def path(self) -> Path:
        return self._path

    def load(self) -> SignedTreeHead | None:
        try:
            data = self._path.read_bytes()
        except FileNotFoundError:
            head = None
        except OSError as exc:
            raise WitnessError(f"{self.name} cannot be read: {exc.strerror}") from exc
        else:
            try:
                head = decode_tree_head_line(data.rstrip(b"\n"))
            except EntryError as exc:
                raise WitnessError(f"{self.name} is damaged or altered: {exc}") from exc
        self._held, self._loaded = head, True
        return head

    def record(self, head: SignedTreeHead) -> None:
        held = self._held if self._loaded else self.load()
        if held is not None and head.tree_size < held.tree_size:
            raise WitnessError(
                f"{self.name} holds a head at size {held.tree_size}; "
                f"refusing to replace it with one at size {head.tree_size}"
            )
        tmp = self._path.with_name(f".{self._path.name}.{os.getpid()}.tmp")
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as handle:
                handle.write(head.canonical_bytes() + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self._path)
            fsync_dir(self._path.parent)
        except OSError as exc:
            raise WitnessError(f"{self.name} cannot be written: {exc.strerror}") from exc
        self._held = head
