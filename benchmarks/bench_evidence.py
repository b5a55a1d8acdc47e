"""Evidence ledger benchmark: append rate, Merkle root/proofs at 1 M leaves, verification.

- appends per second with one ``fsync`` per entry (``Ledger.append``) and batched
  (``Ledger.append_many`` of 100 entries, one write and one ``fsync`` per batch), in a
  temporary directory on the disk that holds ``$TMPDIR``;
- ``MerkleTree``: build from 1,000,000 leaf hashes, then the root, an inclusion proof and a
  consistency proof at that size (median of repeated calls, each proof verified once);
- ``verify_ledger`` over a ledger of 10,000 entries with signed tree heads every 1,000.

Bounded: each phase runs a fixed number of operations or stops at its time budget.
"""

from __future__ import annotations

import hashlib
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.common import BenchRow, main_for
from kordon.evidence.entry import EntryDraft, EntryKind
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.evidence.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from kordon.evidence.verify import verify_ledger

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
SINGLE_BUDGET_S = 5.0
SINGLE_MAX = 2000
BATCH = 100
BATCH_BUDGET_S = 5.0
BATCH_MAX = 200
MERKLE_LEAVES = 1_000_000
PROOF_REPEATS = 200
VERIFY_ENTRIES = 10_000


def _draft(n: int) -> EntryDraft:
    """A segment entry the size of the ones the recorder writes."""
    return EntryDraft(
        kind=EntryKind.SEGMENT,
        subject="cam-1",
        time=T0 + timedelta(seconds=n),
        sha256=hashlib.sha256(n.to_bytes(8, "big")).hexdigest(),
        payload={"path": f"cam-1/2025/03/01/12/{n:08d}.ts", "start": n, "end": n + 10},
    )


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


def _bench_appends(directory: Path, signer: Signer) -> list[BenchRow]:
    with Ledger(directory / "appends", signer, tree_head_every=0) as ledger:
        singles = 0
        t0 = time.perf_counter()
        while singles < SINGLE_MAX and time.perf_counter() - t0 < SINGLE_BUDGET_S:
            ledger.append(
                EntryKind.SEGMENT, "cam-1", time=T0, sha256=_draft(singles).sha256, payload={}
            )
            singles += 1
        single_s = time.perf_counter() - t0
        batches = 0
        t0 = time.perf_counter()
        while batches < BATCH_MAX and time.perf_counter() - t0 < BATCH_BUDGET_S:
            ledger.append_many([_draft(batches * BATCH + i) for i in range(BATCH)])
            batches += 1
        batch_s = time.perf_counter() - t0
    note_single = f"Ledger.append, one write + fsync each; {singles} entries in {single_s:.1f} s"
    note_batch = (
        f"Ledger.append_many of {BATCH} (one write + fsync per batch, entries built and "
        f"validated inside); {batches * BATCH} entries in {batch_s:.1f} s"
    )
    return [
        BenchRow(
            "evidence", "appends, fsync each", _rate(singles, single_s), "entries/s", note_single
        ),
        BenchRow(
            "evidence",
            f"appends, batches of {BATCH}",
            _rate(batches * BATCH, batch_s),
            "entries/s",
            note_batch,
        ),
    ]


def _median_us(call: Callable[[], object], repeats: int) -> float:
    samples: list[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(samples)


def _bench_merkle() -> list[BenchRow]:
    tree = MerkleTree()
    t0 = time.perf_counter()
    for n in range(MERKLE_LEAVES):
        tree.append(leaf_hash(n.to_bytes(8, "big")))
    build_s = time.perf_counter() - t0
    size = tree.size
    index = size // 3
    old_size = size - 12_345
    root = tree.root()
    old_root = tree.root(old_size)
    inclusion = tree.inclusion_proof(index, size)
    consistency = tree.consistency_proof(old_size, size)
    if not verify_inclusion(tree.leaf(index), index, size, inclusion, root):
        raise RuntimeError("inclusion proof at 1 M leaves did not verify")
    if not verify_consistency(old_size, size, old_root, root, consistency):
        raise RuntimeError("consistency proof at 1 M leaves did not verify")
    note = f"MerkleTree of {size:,} leaves (stored subtree hashes), median of {PROOF_REPEATS}"
    return [
        BenchRow(
            "evidence",
            "Merkle build, 1 M leaves",
            build_s,
            "s",
            f"{_rate(size, build_s):,.0f} leaf appends/s (leaf hashing included)",
        ),
        BenchRow(
            "evidence", "root at 1 M leaves", _median_us(tree.root, PROOF_REPEATS), "µs", note
        ),
        BenchRow(
            "evidence",
            "inclusion proof at 1 M leaves",
            _median_us(lambda: tree.inclusion_proof(index, size), PROOF_REPEATS),
            "µs",
            f"{note}; path of {len(inclusion)} hashes",
        ),
        BenchRow(
            "evidence",
            "consistency proof at 1 M leaves",
            _median_us(lambda: tree.consistency_proof(old_size, size), PROOF_REPEATS),
            "µs",
            f"{note}; {old_size:,} → {size:,}, {len(consistency)} hashes",
        ),
    ]


def _bench_verify(directory: Path, signer: Signer) -> list[BenchRow]:
    ledger_dir = directory / "verify"
    with Ledger(ledger_dir, signer, tree_head_every=1000) as ledger:
        for start in range(0, VERIFY_ENTRIES, 1000):
            ledger.append_many([_draft(start + i) for i in range(1000)])
    t0 = time.perf_counter()
    report = verify_ledger(ledger_dir, signer.verifier)
    verify_s = time.perf_counter() - t0
    if not report.ok:
        raise RuntimeError(f"verify_ledger found issues in a clean ledger: {report.render()}")
    return [
        BenchRow(
            "evidence",
            "verify_ledger per 10,000 entries",
            verify_s * 1000.0 * 10_000 / VERIFY_ENTRIES,
            "ms",
            f"{VERIFY_ENTRIES:,} entries, {report.tree_heads} signed heads, pinned public key",
        )
    ]


def bench_rows() -> list[BenchRow]:
    signer = Signer.generate()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        rows = _bench_appends(directory, signer)
        rows += _bench_verify(directory, signer)
    rows += _bench_merkle()
    return rows


if __name__ == "__main__":
    main_for(bench_rows)
