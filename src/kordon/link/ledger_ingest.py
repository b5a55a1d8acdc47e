"""``LedgerIngestor``: the edges' evidence ledgers into the central store, checked as they come.

Per edge the centre keeps every entry once by (edge, seq), its signed tree heads, and a
running compact range of the leaves (``link_ledger_state``). A batch is written in one
transaction, after these checks, or not at all:

- **gap**: the run must start at or before the centre's size for that edge (entries
  ``0..size-1`` are stored with no hole); a later start is refused and the refusal says
  where to resume (the edge then sends again from the centre's size);
- **rewrite**: an index the centre already has must come with the same leaf hash, and two
  heads of the same size must have the same root;
- **chain**: whenever the stored leaves reach a head's size, the root they give must be the
  head's root (heads ahead of the entries wait, ``verified`` false, until then; a head
  arriving after its entries is checked against the stored leaves);
- **key**: the first head pins the edge's signing key; a head signed by another is refused,
  unless the tree it signs holds a valid ``key_rotation`` entry from the key then in force
  to that key (``kordon.link.ledger_rotation``): a head of size ``n`` must be signed by the
  key in force after the rotations among entries ``0..n-1``, or, for the head that ends
  with a rotation, by the key it retires. A rotation that does not verify, or that does
  not start from the key in force, refuses the batch (``ledger_key_changed``).

Whole entries (audit, evidence actions) were already checked against their leaf hash by
the decoder (``kordon.link.ledger_wire``), and every head's signature against its key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from kordon.evidence.entry import EntryKind as LedgerKind
from kordon.evidence.entry import LedgerEntry
from kordon.evidence.errors import EntryError
from kordon.evidence.merkle import MerkleFrontier, MerkleTree
from kordon.evidence.tree_head import SignedTreeHead
from kordon.link.errors import LinkError
from kordon.link.ledger_rotation import KeyRotation, RotationError, read_rotation
from kordon.link.ledger_rows import EdgeLedgerEntryRow, EdgeLedgerStateRow, EdgeTreeHeadRow
from kordon.link.ledger_wire import LedgerBatch
from kordon.store.session import translate_errors
from kordon.store.store import Store


class LedgerProblem(StrEnum):
    GAP = "ledger_gap"
    REWRITE = "ledger_rewrite"
    ROOT_MISMATCH = "ledger_root_mismatch"
    KEY_CHANGED = "ledger_key_changed"


class LedgerRefusedError(LinkError):
    """The batch contradicts what the centre holds; nothing of it was stored."""

    def __init__(self, problem: LedgerProblem, detail: str, *, centre_size: int) -> None:
        super().__init__(f"{problem}: {detail}")
        self.problem = problem
        self.detail = detail
        self.centre_size = centre_size
        """How many entries of this edge's ledger the centre holds (where to resume)."""


@dataclass(frozen=True, slots=True)
class LedgerIngestResult:
    new: int
    duplicates: int
    size: int
    """Entries ``0..size-1`` of the edge's ledger are at the centre."""
    heads_verified: int
    heads_pending: int


@dataclass(slots=True)
class _State:
    row: EdgeLedgerStateRow
    frontier: MerkleFrontier


class LedgerIngestor:
    """Writes ledger batches into the centre's ``store``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def ingest(self, batch: LedgerBatch, *, time: datetime) -> LedgerIngestResult:
        """Check and store ``batch`` (its edge already allowed) in one transaction;
        :class:`LedgerRefusedError` when it contradicts what is stored."""
        what = f"ingesting ledger entries {batch.start}..{batch.end - 1} of edge {batch.edge_id}"
        with translate_errors(what), self._store.sessions.begin() as session:
            return _Ingest(session, batch, time).run()

    def size(self, edge_id: str) -> int:
        """How many entries of ``edge_id``'s ledger the centre holds."""
        with self._store.sessions() as session:
            row = session.get(EdgeLedgerStateRow, edge_id)
            return 0 if row is None else row.size


class _Ingest:
    """One batch inside one transaction."""

    def __init__(self, session: Session, batch: LedgerBatch, time: datetime) -> None:
        self._session = session
        self._batch = batch
        self._time = time
        self._edge = batch.edge_id
        self._heads: list[SignedTreeHead] = list(batch.heads)

    def run(self) -> LedgerIngestResult:
        batch = self._batch
        state = self._state()
        size = state.row.size
        if batch.start > size:
            raise LedgerRefusedError(
                LedgerProblem.GAP,
                f"edge {self._edge} sent entries from {batch.start}, but the centre holds only "
                f"0..{size - 1} (entries {size}..{batch.start - 1} missing); the edge is told "
                f"to send again from {size}",
                centre_size=size,
            )
        duplicates = self._check_known(size)
        self._heads = self._check_key(state)
        pending = self._pending_heads(state, size)
        verified = self._check_late_heads(size)
        fresh = [item for item in batch.entries if item.seq >= size]
        for item in fresh:
            state.frontier.append(item.leaf)
            head = pending.pop(state.frontier.size, None)
            if head is not None:
                self._check_root(head, state.frontier.root(), size=state.frontier.size)
                self._mark_verified(head)
                verified += 1
            self._session.add(
                EdgeLedgerEntryRow(
                    edge_id=self._edge,
                    seq=item.seq,
                    kind=str(item.kind),
                    leaf_sha256=item.leaf.hex(),
                    entry=None if item.entry is None else item.entry.canonical_bytes().decode(),
                    received_at=self._time,
                )
            )
        state.row.size = state.frontier.size
        state.row.frontier = json.dumps([node.hex() for node in state.frontier.nodes])
        state.row.updated_at = self._time
        return LedgerIngestResult(
            new=len(fresh),
            duplicates=duplicates,
            size=state.row.size,
            heads_verified=verified,
            heads_pending=len(pending),
        )

    def _state(self) -> _State:
        row = self._session.scalar(
            select(EdgeLedgerStateRow)
            .where(EdgeLedgerStateRow.edge_id == self._edge)
            .with_for_update()
        )
        if row is None:
            row = EdgeLedgerStateRow(
                edge_id=self._edge, size=0, frontier="[]", key_id=None, updated_at=self._time
            )
            self._session.add(row)
            self._session.flush()
        nodes = [bytes.fromhex(node) for node in json.loads(row.frontier)]
        return _State(row, MerkleFrontier(row.size, nodes))

    def _check_known(self, size: int) -> int:
        """Entries the centre already has must not have changed; returns how many."""
        known = [item for item in self._batch.entries if item.seq < size]
        if not known:
            return 0
        rows = self._session.execute(
            select(EdgeLedgerEntryRow.seq, EdgeLedgerEntryRow.leaf_sha256).where(
                EdgeLedgerEntryRow.edge_id == self._edge,
                EdgeLedgerEntryRow.seq >= known[0].seq,
                EdgeLedgerEntryRow.seq <= known[-1].seq,
            )
        )
        stored = {int(seq): str(leaf) for seq, leaf in rows}
        for item in known:
            if stored.get(item.seq) != item.leaf.hex():
                raise LedgerRefusedError(
                    LedgerProblem.REWRITE,
                    f"edge {self._edge} sent entry {item.seq} with leaf {item.leaf.hex()[:16]}…, "
                    f"but the centre holds it with leaf {str(stored.get(item.seq))[:16]}… "
                    "(the edge's ledger was rewritten, or this is not its ledger)",
                    centre_size=size,
                )
        return len(known)

    def _check_key(self, state: _State) -> list[SignedTreeHead]:
        """The batch's heads to keep, each signed by the key in force for its size.

        A head beyond this batch's entries whose key is not (yet) in force is left out:
        the rotation announcing its key may be among the entries still to come (the edge
        sends its latest head with every run), and the head comes again with the run that
        reaches its size, to be judged then."""
        rotations = self._rotations(state)
        first = rotations[0].old_key_id if rotations else state.row.key_id
        kept: list[SignedTreeHead] = []
        for head in sorted(self._batch.heads, key=lambda h: h.tree_size):
            if first is None:  # the first head seen pins the edge's key
                first = head.key_id
            allowed = _keys_for(first, rotations, head.tree_size)
            if head.key_id not in allowed and head.tree_size > self._batch.end:
                continue
            kept.append(head)
            if head.key_id not in allowed:
                raise LedgerRefusedError(
                    LedgerProblem.KEY_CHANGED,
                    f"edge {self._edge}'s tree head at size {head.tree_size} is signed by key "
                    f"{head.key_id[:16]}…, but the centre pinned key "
                    f"{' or '.join(k[:16] + '…' for k in sorted(allowed))} for that size (a new "
                    "key must be announced by a key_rotation entry signed by the old key)",
                    centre_size=state.row.size,
                )
        if first is not None:
            state.row.key_id = rotations[-1].new_key_id if rotations else first
        return kept

    def _rotations(self, state: _State) -> list[KeyRotation]:
        """The edge's key rotations, stored and in this batch, each checked in turn against
        the key in force before it."""
        stored = self._session.scalars(
            select(EdgeLedgerEntryRow.entry)
            .where(
                EdgeLedgerEntryRow.edge_id == self._edge,
                EdgeLedgerEntryRow.kind == str(LedgerKind.KEY_ROTATION),
            )
            .order_by(EdgeLedgerEntryRow.seq)
        )
        rotations: list[KeyRotation] = []
        for text in stored:  # checked when they came: read back, not judged again
            try:
                rotations.append(read_rotation(LedgerEntry.parse(json.loads(str(text)))))
            except (EntryError, RotationError, ValueError):
                continue  # stored before rotations were understood: never honoured
        in_force = rotations[-1].new_key_id if rotations else state.row.key_id
        known = state.row.size
        for item in self._batch.entries:
            if item.seq < known or item.kind is not LedgerKind.KEY_ROTATION:
                continue
            assert item.entry is not None  # key_rotation travels whole (ledger_wire)
            try:
                rotation = read_rotation(item.entry)
            except RotationError as exc:
                raise LedgerRefusedError(
                    LedgerProblem.KEY_CHANGED,
                    f"edge {self._edge}: {exc}",
                    centre_size=state.row.size,
                ) from None
            if in_force is not None and rotation.old_key_id != in_force:
                raise LedgerRefusedError(
                    LedgerProblem.KEY_CHANGED,
                    f"edge {self._edge}: key rotation entry {rotation.seq} retires key "
                    f"{rotation.old_key_id[:16]}…, but the key in force is {in_force[:16]}…",
                    centre_size=state.row.size,
                )
            rotations.append(rotation)
            in_force = rotation.new_key_id
        return rotations

    def _pending_heads(self, state: _State, size: int) -> dict[int, EdgeTreeHeadRow]:
        """Heads ahead of the stored entries, by size: those waiting and the batch's new ones."""
        rows = self._session.scalars(
            select(EdgeTreeHeadRow).where(
                EdgeTreeHeadRow.edge_id == self._edge, EdgeTreeHeadRow.tree_size > size
            )
        )
        pending = {row.tree_size: row for row in rows}
        for head in self._heads:
            if head.tree_size <= size:
                continue
            held = pending.get(head.tree_size)
            if held is None:
                pending[head.tree_size] = self._add_head(head, verified=False)
            elif held.root_sha256 != head.root_sha256:
                self._two_roots(head, held, centre_size=state.row.size)
        return pending

    def _check_late_heads(self, size: int) -> int:
        """Heads of a size the stored entries already reach: checked against those leaves."""
        late = [h for h in self._heads if 0 < h.tree_size <= size]
        verified = 0
        for head in late:
            held = self._session.get(EdgeTreeHeadRow, (self._edge, head.tree_size))
            if held is not None:
                if held.root_sha256 != head.root_sha256:
                    self._two_roots(head, held, centre_size=size)
                continue
            self._check_root(head, self._stored_root(head.tree_size), size=size)
            self._add_head(head, verified=True)
            verified += 1
        return verified

    def _stored_root(self, tree_size: int) -> bytes:
        """The root of the first ``tree_size`` stored leaves (read back from the database:
        only for a head that arrives after its entries, which the edge's sender avoids)."""
        tree = MerkleTree()
        leaves = self._session.scalars(
            select(EdgeLedgerEntryRow.leaf_sha256)
            .where(EdgeLedgerEntryRow.edge_id == self._edge, EdgeLedgerEntryRow.seq < tree_size)
            .order_by(EdgeLedgerEntryRow.seq)
        )
        tree.extend(bytes.fromhex(leaf) for leaf in leaves)
        return tree.root()

    def _check_root(
        self, head: SignedTreeHead | EdgeTreeHeadRow, root: bytes, *, size: int
    ) -> None:
        if head.root_sha256 != root.hex():
            raise LedgerRefusedError(
                LedgerProblem.ROOT_MISMATCH,
                f"edge {self._edge}'s signed tree head at size {head.tree_size} has root "
                f"{head.root_sha256[:16]}…, but the entries received give {root.hex()[:16]}… "
                "(an entry was altered, dropped or inserted)",
                centre_size=size,
            )

    def _two_roots(self, head: SignedTreeHead, held: EdgeTreeHeadRow, *, centre_size: int) -> None:
        raise LedgerRefusedError(
            LedgerProblem.REWRITE,
            f"edge {self._edge} signed two tree heads at size {head.tree_size} with different "
            f"roots ({held.root_sha256[:16]}… then {head.root_sha256[:16]}…)",
            centre_size=centre_size,
        )

    def _add_head(self, head: SignedTreeHead, *, verified: bool) -> EdgeTreeHeadRow:
        row = EdgeTreeHeadRow(
            edge_id=self._edge,
            tree_size=head.tree_size,
            root_sha256=head.root_sha256,
            time=head.time,
            key_id=head.key_id,
            signature=head.signature,
            verified=verified,
            received_at=self._time,
        )
        self._session.add(row)
        return row

    def _mark_verified(self, row: EdgeTreeHeadRow) -> None:
        row.verified = True


def _keys_for(first: str, rotations: Sequence[KeyRotation], tree_size: int) -> set[str]:
    """The keys that may sign a head of ``tree_size``: the key in force after the rotations
    among entries ``0..tree_size-1``, and the one a rotation ending that tree retires."""
    key = first
    allowed = {key}
    for rotation in rotations:
        if rotation.seq >= tree_size:
            break
        key = rotation.new_key_id
        allowed = {key, rotation.old_key_id} if rotation.seq == tree_size - 1 else {key}
    return allowed


def stored_heads(store: Store, edge_id: str) -> Sequence[EdgeTreeHeadRow]:
    """``edge_id``'s signed tree heads at the centre, smallest first."""
    with store.sessions() as session:
        return list(
            session.scalars(
                select(EdgeTreeHeadRow)
                .where(EdgeTreeHeadRow.edge_id == edge_id)
                .order_by(EdgeTreeHeadRow.tree_size)
            )
        )
