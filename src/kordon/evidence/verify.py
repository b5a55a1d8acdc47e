"""Offline verification of a ledger directory: every entry, every signed tree head.

Optionally also every file an entry names (re-hashed against the entry), and the heads
kept by witnesses outside the ledger directory (a ledger cut back to an earlier head).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kordon.evidence.entry import LedgerEntry
from kordon.evidence.errors import EntryError, KeyFileError
from kordon.evidence.files import FileCheckReport, check_files, mismatch_message
from kordon.evidence.jsonl import Line, scan_lines
from kordon.evidence.keys import Verifier
from kordon.evidence.merkle import MerkleTree, leaf_hash, verify_consistency
from kordon.evidence.records import (
    LEDGER_FILE,
    PUBLIC_KEYS_DIR,
    QUARANTINE_DIR,
    TREE_HEADS_FILE,
    decode_entry_line,
    decode_tree_head_line,
)
from kordon.evidence.tree_head import SignedTreeHead
from kordon.evidence.witness import WitnessedHead, check_witnessed


@dataclass(frozen=True)
class LedgerIssue:
    """One problem, with where it is."""

    message: str
    file: str
    line: int | None = None
    seq: int | None = None


@dataclass(frozen=True)
class VerificationReport:
    directory: Path
    entries: int
    tree_heads: int
    issues: tuple[LedgerIssue, ...]
    notes: tuple[str, ...] = ()
    files: FileCheckReport | None = None
    """Present when the files named by entries were re-hashed."""

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def first_issue(self) -> LedgerIssue | None:
        return self.issues[0] if self.issues else None

    def render(self) -> str:
        """A human-readable report (what ``kordon ledger verify`` prints)."""
        counts = f"{self.entries} entries, {self.tree_heads} signed tree heads"
        if self.files is not None:
            counts += f", {self.files.checked} files re-hashed"
        if self.ok:
            lines = [f"ledger {self.directory}: OK ({counts})"]
        else:
            lines = [f"ledger {self.directory}: FAILED ({counts}), {len(self.issues)} problem(s):"]
            lines += [f"  - {issue.file}: {issue.message}" for issue in self.issues]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


@dataclass
class _State:
    directory: Path
    issues: list[LedgerIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tree: MerkleTree = field(default_factory=MerkleTree)
    seqs: list[int | None] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)
    first_bad_entry: int | None = None
    """Lowest line index whose entry is known bad (edited, malformed, out of sequence)."""
    entries: list[LedgerEntry] = field(default_factory=list)
    """Entries whose line checked out (the ones whose files are worth re-hashing)."""

    def entry_issue(self, message: str, index: int, seq: int | None) -> None:
        self.issues.append(LedgerIssue(message, LEDGER_FILE, self.line_numbers[index], seq))
        if self.first_bad_entry is None or index < self.first_bad_entry:
            self.first_bad_entry = index


def verify_ledger(
    directory: Path,
    public_key: Verifier | bytes | None = None,
    *,
    witnessed: Sequence[WitnessedHead] = (),
    data_dir: Path | None = None,
) -> VerificationReport:
    """Check everything in a ledger directory without trusting any of it.

    Recomputes each leaf hash from the entry's canonical bytes, checks the sequence
    numbers, reproduces the root at every signed tree head, checks each signature and the
    consistency of consecutive heads. ``public_key`` (a :class:`Verifier` or PEM bytes) pins
    the site key; without it the keys stored beside the ledger are used, which proves
    integrity only against someone who could not replace those keys.

    ``witnessed`` heads (from witnesses outside the ledger directory) must be reproduced by
    the entries: a shorter ledger or another root is a rollback or rewrite. With
    ``data_dir`` every file an entry names is re-hashed against the first entry naming it.
    """
    state = _State(directory)
    if not (directory / LEDGER_FILE).is_file():
        state.issues.append(LedgerIssue(f"not found in {directory}", LEDGER_FILE))
        for held in witnessed:
            state.issues.append(
                LedgerIssue(
                    f"rollback: the ledger is gone but {held.source} holds a head "
                    f"at size {held.head.tree_size}",
                    LEDGER_FILE,
                )
            )
        return VerificationReport(directory, 0, 0, tuple(state.issues))
    _check_entries(state)
    _check_sequence(state)
    keys = _trusted_keys(state, public_key)
    head_count = _check_tree_heads(state, keys)
    _check_witnessed(state, witnessed, keys)
    files = None
    if data_dir is not None:
        files = check_files(state.entries, data_dir)
        _file_issues(state, files)
    quarantine = directory / QUARANTINE_DIR
    if quarantine.is_dir():
        for item in sorted(quarantine.iterdir()):
            state.notes.append(f"quarantined incomplete line from an earlier crash: {item.name}")
    return VerificationReport(
        directory, state.tree.size, head_count, tuple(state.issues), tuple(state.notes), files
    )


def _check_witnessed(
    state: _State, witnessed: Sequence[WitnessedHead], keys: dict[str, Verifier]
) -> None:
    if not witnessed:
        state.notes.append(
            "no tree-head witness given: a ledger cut back to an earlier signed head "
            "cannot be told from a shorter one"
        )
    for item in witnessed:
        problem = check_witnessed(
            item, ledger_size=state.tree.size, root_at=state.tree.root, keys=keys
        )
        if problem is not None:
            state.issues.append(LedgerIssue(problem, "witness"))


def _file_issues(state: _State, files: FileCheckReport) -> None:
    if files.mismatched:
        path_rel, entry = files.mismatched[0]
        first = mismatch_message(path_rel, entry, files.first_actual_sha256 or "")
        state.issues.append(
            LedgerIssue(
                f"{len(files.mismatched)} of {files.checked} files differ from their ledger "
                f"entries; first: {first}",
                path_rel,
                seq=entry.seq,
            )
        )
    for path_rel, entry in files.outside:
        state.issues.append(
            LedgerIssue(
                f"entry {entry.seq} names a file outside the data directory",
                path_rel,
                seq=entry.seq,
            )
        )
    for path_rel, first_entry, later in files.conflicting:
        state.issues.append(
            LedgerIssue(
                f"recorded again by entry {later.seq} with another sha256 than entry "
                f"{first_entry.seq} (evidence files are written once)",
                path_rel,
                seq=later.seq,
            )
        )
    if files.missing:
        state.notes.append(
            f"{len(files.missing)} files named by entries no longer exist (retention deletes "
            f"old segments; a file removed by hand looks the same); first: {files.missing[0]}"
        )


def _check_entries(state: _State) -> None:
    for item in scan_lines(state.directory / LEDGER_FILE):
        if not isinstance(item, Line):
            state.issues.append(
                LedgerIssue(
                    f"line {item.line_number}: incomplete last line ({len(item.data)} bytes, "
                    "no newline): a crash mid-write or a truncated file",
                    LEDGER_FILE,
                    item.line_number,
                )
            )
            continue
        index = state.tree.size
        state.line_numbers.append(item.number)
        try:
            decoded = decode_entry_line(item.data)
        except EntryError as exc:
            state.seqs.append(None)
            state.tree.append(leaf_hash(item.data))
            state.entry_issue(f"line {item.number}: unreadable entry: {exc}", index, None)
            continue
        seq = decoded.entry.seq
        state.seqs.append(seq)
        state.tree.append(decoded.computed_leaf)
        where = f"entry {seq} (line {item.number})"
        if not decoded.leaf_matches:
            state.entry_issue(f"{where}: leaf hash mismatch — content edited", index, seq)
        elif not decoded.canonical:
            state.entry_issue(f"{where}: not in canonical form — edited by hand", index, seq)
        else:
            state.entries.append(decoded.entry)


def _check_sequence(state: _State) -> None:
    """Report the first break in 0, 1, 2...: later breaks are its consequences."""
    seqs = state.seqs
    for index, seq in enumerate(seqs):
        if seq is None or seq == index:
            continue
        line = state.line_numbers[index]
        prev = seqs[index - 1] if index else None
        if seq > index and index in seqs[index + 1 :]:
            later = state.line_numbers[seqs.index(index, index + 1)]
            message = (
                f"entries out of order: line {line} holds entry {seq} where entry {index} "
                f"belongs (entry {index} is at line {later})"
            )
        elif seq > index:
            after = "the start" if prev is None else str(prev)
            message = f"entry {index} missing (sequence jumps from {after} to {seq} at line {line})"
        elif seq in seqs[:index]:
            message = f"entry {seq} duplicated at line {line}"
        else:
            message = f"entries out of order: line {line} holds entry {seq} after entry {prev}"
        state.entry_issue(message, index, seq)
        return


def _trusted_keys(state: _State, public_key: Verifier | bytes | None) -> dict[str, Verifier]:
    if public_key is not None:
        verifier = public_key if isinstance(public_key, Verifier) else Verifier.from_pem(public_key)
        return {verifier.key_id: verifier}
    state.notes.append(
        "no public key pinned: signatures were checked with the keys stored beside the ledger; "
        "pass the site's published key to rule out a replaced key"
    )
    keys: dict[str, Verifier] = {}
    keys_dir = state.directory / PUBLIC_KEYS_DIR
    for path in sorted(keys_dir.glob("*.pem")) if keys_dir.is_dir() else []:
        where = f"{PUBLIC_KEYS_DIR}/{path.name}"
        try:
            verifier = Verifier.from_pem(path.read_bytes())
        except (OSError, KeyFileError) as exc:
            state.issues.append(LedgerIssue(f"unreadable public key: {exc}", where))
            continue
        if verifier.key_id != path.stem:
            state.issues.append(
                LedgerIssue(f"holds key {verifier.key_id}, not the key its name says", where)
            )
            continue
        keys[verifier.key_id] = verifier
    return keys


def _check_tree_heads(state: _State, keys: dict[str, Verifier]) -> int:
    size = state.tree.size
    previous: SignedTreeHead | None = None
    count = 0
    for item in scan_lines(state.directory / TREE_HEADS_FILE):
        if not isinstance(item, Line):
            state.issues.append(
                LedgerIssue(f"line {item.line_number}: incomplete last tree head", TREE_HEADS_FILE)
            )
            continue
        count += 1
        issues_before = len(state.issues)

        def issue(message: str, line: int = item.number) -> None:
            state.issues.append(LedgerIssue(f"line {line}: {message}", TREE_HEADS_FILE, line))

        try:
            head = decode_tree_head_line(item.data)
        except EntryError as exc:
            issue(f"unreadable tree head: {exc}")
            continue
        label = f"tree head at size {head.tree_size}"
        verifier = keys.get(head.key_id)
        if verifier is None:
            known = ", ".join(sorted(keys)) or "none"
            issue(f"{label} is signed by key {head.key_id}, not a trusted key ({known})")
        elif not head.signature_valid(verifier):
            issue(f"{label}: signature invalid — tree head forged or altered")
        if head.tree_size > size:
            last = f"entry {size - 1}" if size else "the start"
            issue(f"file truncated after {last}: {label} cannot be reproduced")
        elif head.root != state.tree.root(head.tree_size):
            blame = _blame(state, head, previous)
            issue(f"{label}: root does not match entries 0..{head.tree_size - 1}; {blame}")
        if previous is not None:
            if head.time < previous.time:
                state.notes.append(
                    f"{TREE_HEADS_FILE} line {item.number}: tree head time goes back "
                    f"(clock stepped back?)"
                )
            if head.tree_size < previous.tree_size:
                issue(f"{label} goes back from the previous head (size {previous.tree_size})")
            elif len(state.issues) == issues_before and head.tree_size <= size:
                proof = state.tree.consistency_proof(previous.tree_size, head.tree_size)
                if not verify_consistency(
                    previous.tree_size, head.tree_size, previous.root, head.root, proof
                ):
                    issue(f"{label} is not consistent with the head at size {previous.tree_size}")
        if len(state.issues) == issues_before:
            previous = head
    last_size = previous.tree_size if previous else 0
    if size > last_size:
        state.notes.append(
            f"entries {last_size}..{size - 1} are not yet covered by a signed tree head"
        )
    return count


def _blame(state: _State, head: SignedTreeHead, previous: SignedTreeHead | None) -> str:
    bad = state.first_bad_entry
    if bad is not None and bad < head.tree_size:
        return f"first bad entry at line {state.line_numbers[bad]} (see above)"
    low = previous.tree_size if previous else 0
    return (
        f"an entry between {low} and {head.tree_size - 1} was altered "
        "(its stored leaf hash was rewritten too)"
    )
