"""The evidence ledger: append-only entries in an RFC 6962 Merkle tree, with signed heads."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from pydantic import JsonValue

from kordon.evidence.entry import EntryDraft, EntryKind, LedgerEntry
from kordon.evidence.errors import (
    EntryError,
    KeyFileError,
    LedgerError,
    LedgerIntegrityError,
    LedgerRollbackError,
    WitnessError,
)
from kordon.evidence.files import entry_file
from kordon.evidence.jsonl import (
    AppendFile,
    Line,
    PartialTail,
    fsync_dir,
    quarantine_tail,
    scan_lines,
)
from kordon.evidence.keys import Signer, Verifier
from kordon.evidence.merkle import MerkleTree
from kordon.evidence.records import (
    LEDGER_FILE,
    LOCK_FILE,
    PUBLIC_KEYS_DIR,
    QUARANTINE_DIR,
    TREE_HEADS_FILE,
    decode_entry_line,
    decode_tree_head_line,
    encode_entry_line,
    encode_tree_head_line,
)
from kordon.evidence.tree_head import SignedTreeHead
from kordon.evidence.witness import TreeHeadWitness, WitnessedHead, check_witnessed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    path: tuple[bytes, ...]


@dataclass(frozen=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    path: tuple[bytes, ...]


@dataclass(frozen=True)
class QuarantinedTail:
    """An incomplete last line found on open and moved aside."""

    file: str
    line_number: int
    offset_bytes: int
    size_bytes: int
    moved_to: Path


@dataclass(frozen=True)
class OpenReport:
    """What :meth:`Ledger.open` found."""

    entries: int
    tree_heads: int
    quarantined: tuple[QuarantinedTail, ...] = ()
    repaired_newline: bool = False
    """The last entry was complete but lacked its newline; the newline was added."""


class Ledger:
    """An append-only, tamper-evident ledger in ``directory``.

    Files: ``ledger.jsonl`` (one canonical entry and its leaf hash a line),
    ``tree_heads.jsonl`` (signed tree heads), ``public_keys/<key id>.pem`` (the keys that
    signed them), ``quarantine/`` (incomplete lines cut off after a crash).
    The constructor is cheap; :meth:`open` reads and checks the files and takes an
    exclusive lock so one process writes at a time. Appends are thread-safe.
    A tree head is signed automatically every ``tree_head_every`` entries (0: never).
    Every head signed by :meth:`sign_tree_head` is also handed to ``witnesses`` (kept
    outside this directory); :meth:`open` refuses a ledger that is shorter than, or differs
    from, a witnessed head, and brings witnesses that lag behind up to the latest head.
    """

    def __init__(
        self,
        directory: Path,
        signer: Signer,
        *,
        tree_head_every: int = 1000,
        witnesses: Sequence[TreeHeadWitness] = (),
    ) -> None:
        if tree_head_every < 0:
            raise LedgerError(f"tree_head_every must be >= 0, got {tree_head_every}")
        self._dir = directory
        self._signer = signer
        self._every = tree_head_every
        self._lock = threading.Lock()
        self._witness_lock = threading.Lock()
        """Orders witness writes; taken before ``_lock`` and held while witnesses write."""
        self._tree = MerkleTree()
        self._offsets = array("Q")
        self._heads: list[SignedTreeHead] = []
        self._witnesses = tuple(witnesses)
        self._files: dict[str, int] = {}
        """Data-dir-relative path -> seq of the first entry naming that file."""
        self._entries_file = AppendFile(directory / LEDGER_FILE)
        self._heads_file = AppendFile(directory / TREE_HEADS_FILE)
        self._lock_fd: int | None = None
        self._open_report: OpenReport | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def open(self) -> OpenReport:
        """Read both files, recompute the tree, recover a crash tail, check every tree head.

        Raises :class:`LedgerIntegrityError` naming the line when a complete line is
        damaged, and :class:`LedgerRollbackError` when a witness holds a head that the
        entries do not reproduce (cut back or rewritten): such a ledger must be examined
        with ``verify_ledger``, not appended to.
        """
        if self._lock_fd is not None:
            raise LedgerError(f"ledger {self._dir} is already open")
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
            self._lock_fd = self._take_process_lock()
        except OSError as exc:
            raise LedgerError(f"cannot open ledger directory {self._dir}: {exc}") from exc
        try:
            report = self._load()
            self._check_witnesses()
            self._entries_file.open()
            self._heads_file.open()
        except BaseException:
            self.close()
            raise
        self._open_report = report
        return report

    def close(self) -> None:
        self._entries_file.close()
        self._heads_file.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None
        self._tree = MerkleTree()
        self._offsets = array("Q")
        self._heads = []
        self._files = {}

    def __enter__(self) -> Ledger:
        if self._lock_fd is None:
            self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- queries ---------------------------------------------------------------------------

    @property
    def directory(self) -> Path:
        return self._dir

    @property
    def open_report(self) -> OpenReport:
        """What the last :meth:`open` found (quarantined tails, repairs)."""
        if self._open_report is None:
            raise LedgerError(f"ledger {self._dir} has not been opened")
        return self._open_report

    @property
    def size(self) -> int:
        return self._tree.size

    @property
    def verifier(self) -> Verifier:
        return self._signer.verifier

    def entry(self, seq: int) -> LedgerEntry:
        """Read entry ``seq`` back from disk."""
        with self._lock:
            self._require_open()
            if not 0 <= seq < self._tree.size:
                raise LedgerError(f"entry {seq} does not exist (ledger has {self._tree.size})")
            start = self._offsets[seq]
            end = self._offsets[seq + 1] if seq + 1 < len(self._offsets) else None
        with (self._dir / LEDGER_FILE).open("rb") as handle:
            handle.seek(start)
            data = handle.read(None if end is None else end - start)
        line = data.split(b"\n", 1)[0]
        decoded = decode_entry_line(line)
        if decoded.entry.seq != seq or not decoded.leaf_matches:
            raise LedgerIntegrityError(f"entry {seq} changed on disk since the ledger was opened")
        return decoded.entry

    def file_entry(self, path_rel: str) -> LedgerEntry | None:
        """The first entry recording the file at ``path_rel`` (data-dir relative), if any."""
        with self._lock:
            self._require_open()
            seq = self._files.get(path_rel)
        return None if seq is None else self.entry(seq)

    def root(self, tree_size: int | None = None) -> bytes:
        with self._lock:
            self._require_open()
            return self._tree.root(tree_size)

    def inclusion_proof(self, seq: int, tree_size: int) -> InclusionProof:
        with self._lock:
            self._require_open()
            try:
                path = self._tree.inclusion_proof(seq, tree_size)
            except ValueError as exc:
                raise LedgerError(f"no inclusion proof for entry {seq}: {exc}") from exc
        return InclusionProof(seq, tree_size, tuple(path))

    def consistency_proof(self, old_size: int, new_size: int) -> ConsistencyProof:
        with self._lock:
            self._require_open()
            try:
                path = self._tree.consistency_proof(old_size, new_size)
            except ValueError as exc:
                raise LedgerError(f"no consistency proof {old_size}->{new_size}: {exc}") from exc
        return ConsistencyProof(old_size, new_size, tuple(path))

    def latest_tree_head(self) -> SignedTreeHead | None:
        with self._lock:
            self._require_open()
            return self._heads[-1] if self._heads else None

    def tree_heads(self) -> list[SignedTreeHead]:
        with self._lock:
            self._require_open()
            return list(self._heads)

    # -- writes ----------------------------------------------------------------------------

    def append(
        self,
        kind: EntryKind,
        subject: str,
        *,
        time: datetime,
        sha256: str | None = None,
        payload: Mapping[str, JsonValue] | None = None,
    ) -> LedgerEntry:
        """Append one entry, synced to disk before this returns."""
        draft = EntryDraft(kind, subject, time, sha256, dict(payload or {}))
        return self.append_many([draft])[0]

    def append_many(self, drafts: Sequence[EntryDraft]) -> list[LedgerEntry]:
        """Append several entries with one write and one sync (all or none)."""
        with self._lock:
            self._require_open()
            first = self._tree.size
            entries = [draft.build(first + i) for i, draft in enumerate(drafts)]
            self._write_locked(entries)
            return entries

    def append_built(self, build: Callable[[int], EntryDraft]) -> LedgerEntry:
        """Append the entry ``build(seq)`` makes, knowing its sequence number in advance.

        ``build`` runs under the ledger lock (keep it short, never call the ledger from it);
        an export uses it to put the entry's own seq into the manifest that the entry hashes.
        """
        with self._lock:
            self._require_open()
            seq = self._tree.size
            entry = build(seq).build(seq)
            self._write_locked([entry])
            return entry

    def sign_tree_head(self, time: datetime) -> SignedTreeHead:
        """Sign and store a tree head for the current size, then hand it to the witnesses.

        The witnesses write after the ledger lock is released: a witness that waits for
        the database never blocks an append made inside a database transaction. Heads
        signed automatically inside an append are not witnessed (the caller may hold a
        database transaction); the next call of this method witnesses a newer one.
        """
        with self._witness_lock:
            with self._lock:
                self._require_open()
                head = self._sign_locked(time)
            self._witness(head)
        return head

    # -- internals -------------------------------------------------------------------------

    def _require_open(self) -> None:
        if self._lock_fd is None:
            raise LedgerError(f"ledger {self._dir} is not open; call open() first")

    def _write_locked(self, entries: list[LedgerEntry]) -> None:
        if not entries:
            return
        lines = [encode_entry_line(entry) for entry in entries]
        offset = self._entries_file.append(b"".join(lines))
        for entry, line in zip(entries, lines, strict=True):
            self._offsets.append(offset)
            offset += len(line)
            self._tree.append(entry.leaf_hash())
            self._index_file(entry)
        last_signed = self._heads[-1].tree_size if self._heads else 0
        if self._every and self._tree.size - last_signed >= self._every:
            self._sign_locked(entries[-1].time)

    def _sign_locked(self, time: datetime) -> SignedTreeHead:
        head = SignedTreeHead.create(
            tree_size=self._tree.size, root=self._tree.root(), time=time, signer=self._signer
        )
        self._heads_file.append(encode_tree_head_line(head))
        self._heads.append(head)
        return head

    def _witness(self, head: SignedTreeHead) -> None:
        """Hand ``head`` to every witness, after it is durable in ``tree_heads.jsonl``.

        A witness that fails only lags behind (it still guards everything up to the head
        it holds); it never stops the ledger, so the failure is logged, not raised.
        """
        for witness in self._witnesses:
            try:
                witness.record(head)
            except Exception:
                logger.exception(
                    "ledger: %s did not take the head at size %d", witness.name, head.tree_size
                )

    def _index_file(self, entry: LedgerEntry) -> None:
        path_rel = entry_file(entry)
        if path_rel is not None:
            self._files.setdefault(path_rel, entry.seq)

    def _check_witnesses(self) -> None:
        """Refuse a ledger cut back or rewritten behind a witness; bring lagging ones up."""
        latest = self._heads[-1] if self._heads else None
        for witness in self._witnesses:
            try:
                held = witness.load()
            except WitnessError as exc:
                raise LedgerIntegrityError(f"ledger {self._dir}: {exc}") from exc
            if held is not None:
                try:
                    keys = {held.key_id: self._public_key(held.key_id)}
                except LedgerIntegrityError:
                    keys = {}
                problem = check_witnessed(
                    WitnessedHead(witness.name, held),
                    ledger_size=self._tree.size,
                    root_at=self._tree.root,
                    keys=keys,
                )
                if problem is not None:
                    raise LedgerRollbackError(
                        f"ledger {self._dir}: {problem}; restore the ledger directory from a "
                        "backup, or see 'What the evidence can and cannot prove' in "
                        "docs/operations.md"
                    )
            if latest is not None and (held is None or held.tree_size < latest.tree_size):
                self._witness(latest)

    def _take_process_lock(self) -> int:
        fd = os.open(self._dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            os.close(fd)
            raise LedgerError(f"ledger {self._dir} is open in another process") from exc
        return fd

    def _load(self) -> OpenReport:
        self._store_public_key()
        quarantined: list[QuarantinedTail] = []
        repaired = False
        path = self._dir / LEDGER_FILE
        for item in scan_lines(path):
            if isinstance(item, Line):
                self._load_entry_line(item)
            elif self._tail_is_complete_entry(item):
                with path.open("ab") as handle:  # only the newline was lost: keep the entry
                    handle.write(b"\n")
                    handle.flush()
                    os.fsync(handle.fileno())
                logger.warning("%s line %d: added the missing newline", path, item.line_number)
                self._load_entry_line(Line(item.line_number, item.offset_bytes, item.data))
                repaired = True
                break  # the file just grew by the newline: stop reading it
            else:
                quarantined.append(self._quarantine(path, item))
                break
        heads_path = self._dir / TREE_HEADS_FILE
        for item in scan_lines(heads_path):
            if isinstance(item, Line):
                self._load_head_line(item)
            else:
                quarantined.append(self._quarantine(heads_path, item))
                break
        return OpenReport(self._tree.size, len(self._heads), tuple(quarantined), repaired)

    def _quarantine(self, path: Path, tail: PartialTail) -> QuarantinedTail:
        moved = quarantine_tail(path, tail, self._dir / QUARANTINE_DIR)
        return QuarantinedTail(
            path.name, tail.line_number, tail.offset_bytes, len(tail.data), moved
        )

    def _tail_is_complete_entry(self, tail: PartialTail) -> bool:
        try:
            decoded = decode_entry_line(tail.data)
        except EntryError:
            return False
        return decoded.canonical and decoded.leaf_matches and decoded.entry.seq == self._tree.size

    def _load_entry_line(self, line: Line) -> None:
        where = f"{self._dir / LEDGER_FILE} line {line.number}"
        try:
            decoded = decode_entry_line(line.data)
        except EntryError as exc:
            raise LedgerIntegrityError(f"{where}: {exc}; run ledger verification") from exc
        expected = self._tree.size
        if decoded.entry.seq != expected:
            raise LedgerIntegrityError(
                f"{where}: holds entry {decoded.entry.seq}, expected entry {expected}; "
                "run ledger verification"
            )
        if not decoded.canonical or not decoded.leaf_matches:
            raise LedgerIntegrityError(
                f"{where}: entry {expected} does not match its leaf hash or is not canonical "
                "(content edited); run ledger verification"
            )
        self._offsets.append(line.offset_bytes)
        self._tree.append(decoded.computed_leaf)
        self._index_file(decoded.entry)

    def _load_head_line(self, line: Line) -> None:
        where = f"{self._dir / TREE_HEADS_FILE} line {line.number}"
        try:
            head = decode_tree_head_line(line.data)
        except EntryError as exc:
            raise LedgerIntegrityError(f"{where}: {exc}") from exc
        if head.tree_size > self._tree.size:
            raise LedgerIntegrityError(
                f"{where}: signed tree head at size {head.tree_size} but the ledger has only "
                f"{self._tree.size} entries (entries lost or file truncated)"
            )
        if head.root != self._tree.root(head.tree_size):
            raise LedgerIntegrityError(
                f"{where}: the entries do not reproduce the signed root at size {head.tree_size}"
            )
        if not head.signature_valid(self._public_key(head.key_id)):
            raise LedgerIntegrityError(f"{where}: tree head signature does not verify")
        self._heads.append(head)

    def _public_key(self, key_id: str) -> Verifier:
        if key_id == self._signer.key_id:
            return self._signer.verifier
        path = self._dir / PUBLIC_KEYS_DIR / f"{key_id}.pem"
        try:
            verifier = Verifier.from_pem(path.read_bytes())
        except (OSError, KeyFileError) as exc:
            raise LedgerIntegrityError(f"public key {key_id} cannot be loaded: {exc}") from exc
        if verifier.key_id != key_id:
            raise LedgerIntegrityError(f"{path} does not hold key {key_id}")
        return verifier

    def _store_public_key(self) -> None:
        """Keep the signer's public key beside the ledger so verifiers can find it."""
        keys_dir = self._dir / PUBLIC_KEYS_DIR
        keys_dir.mkdir(exist_ok=True)
        path = keys_dir / f"{self._signer.key_id}.pem"
        pem = self._signer.public_pem()
        if path.exists():
            if path.read_bytes() != pem:
                raise LedgerIntegrityError(f"{path} does not hold the signer's public key")
            return
        tmp = keys_dir / f".{path.name}.tmp"
        tmp.write_bytes(pem)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
        tmp.unlink()
        fsync_dir(keys_dir)
