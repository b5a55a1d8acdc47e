"""RFC 6962 Merkle tree: hashing, an incremental tree, inclusion and consistency proofs.

Hashing follows RFC 6962 §2.1: a leaf hash is ``SHA-256(0x00 || data)``, an interior node
``SHA-256(0x01 || left || right)``, and the tree of ``n`` leaves splits at the largest power
of two smaller than ``n``. Proofs are generated as in RFC 6962 §2.1.1/§2.1.2 and verified
with the algorithms of RFC 9162 §2.1.3.2/§2.1.4.2.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The Merkle Tree Hash of an empty tree (RFC 6962: SHA-256 of the empty string)."""


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    if n < 2:
        raise ValueError(f"split_point needs n >= 2, got {n}")
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """An append-only Merkle tree over leaf hashes.

    Every complete perfect subtree hash is kept (level ``k`` holds the roots of the aligned
    subtrees of ``2**k`` leaves, packed 32 bytes each), so an append costs O(log n) hashes
    amortised and the root, an inclusion proof or a consistency proof at *any* earlier size
    costs O(log n) hashes and lookups, never a rehash of the leaves. Memory is about
    64 bytes per leaf. Not thread-safe: the owner serialises access.
    """

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]

    @property
    def size(self) -> int:
        return len(self._levels[0]) // HASH_SIZE

    def append(self, leaf: bytes) -> int:
        """Add one leaf hash; return its index."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, got {len(leaf)}")
        levels = self._levels
        levels[0] += leaf
        index = self.size - 1
        level = 0
        current = leaf
        # An odd index completes a pair: its parent becomes a new complete subtree.
        while index & 1:
            left = self._node(level, index - 1)
            current = node_hash(left, current)
            level += 1
            if len(levels) == level:
                levels.append(bytearray())
            levels[level] += current
            index >>= 1
        return self.size - 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def leaf(self, index: int) -> bytes:
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} does not exist (tree size {self.size})")
        return self._node(0, index)

    def root(self, size: int | None = None) -> bytes:
        """The Merkle Tree Hash of the first ``size`` leaves (default: all)."""
        size = self.size if size is None else size
        self._check_size(size, "size")
        if size == 0:
            return EMPTY_ROOT
        return self._range_hash(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of the first ``size`` leaves."""
        self._check_size(size, "size")
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is outside a tree of size {size}")
        path: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = split_point(end - start)
            if index < start + k:
                path.append(self._range_hash(start + k, end))
                end = start + k
            else:
                path.append(self._range_hash(start, start + k))
                start += k
        path.reverse()  # RFC 6962 lists the path from the leaf upwards
        return path

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """RFC 6962 PROOF(old_size, D[new_size]); empty when ``old_size`` is 0 or equal."""
        self._check_size(new_size, "new_size")
        if not 0 <= old_size <= new_size:
            raise ValueError(f"old size {old_size} must be between 0 and new size {new_size}")
        if old_size in (0, new_size):
            return []
        proof: list[bytes] = []
        start, end, m, complete = 0, new_size, old_size, True
        while True:
            n = end - start
            if m == n:
                if not complete:
                    proof.append(self._range_hash(start, end))
                break
            k = split_point(n)
            if m <= k:
                proof.append(self._range_hash(start + k, end))
                end = start + k
            else:
                proof.append(self._range_hash(start, start + k))
                start += k
                m -= k
                complete = False
        proof.reverse()
        return proof

    def _check_size(self, size: int, name: str) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"{name} {size} is outside 0..{self.size} (current tree size)")

    def _node(self, level: int, index: int) -> bytes:
        offset = index * HASH_SIZE
        return bytes(self._levels[level][offset : offset + HASH_SIZE])

    def _range_hash(self, start: int, end: int) -> bytes:
        """MTH of leaves ``start..end``; ``start`` must be aligned to a power of two >= width.

        Every range the RFC recursion visits has that alignment, so the range is a run of
        stored perfect subtrees of decreasing size, folded from the right.
        """
        pieces: list[bytes] = []
        position = start
        width = end - start
        for bit in reversed(range(width.bit_length())):
            if (width >> bit) & 1:
                pieces.append(self._node(bit, position >> bit))
                position += 1 << bit
        result = pieces[-1]
        for piece in reversed(pieces[:-1]):
            result = node_hash(piece, result)
        return result


class MerkleFrontier:
    """The compact range of a growing tree: only the roots of its perfect subtrees (one per
    set bit of its size, largest first).

    O(log n) memory; gives the current root only. Use it where proofs are not needed
    (for example to check a root while streaming a ledger file). It can be saved as
    ``(size, nodes)`` and restored from them (the centre keeps one per edge ledger in its
    database); the nodes must fit the size.
    """

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(nodes) != size.bit_count():
            raise ValueError(
                f"a tree of {size} leaves has {max(size, 0).bit_count()} subtree roots, "
                f"got {len(nodes)}"
            )
        if any(len(node) != HASH_SIZE for node in nodes):
            raise ValueError(f"every subtree root is {HASH_SIZE} bytes")
        self._nodes: list[bytes] = list(nodes)
        self._size = size

    @property
    def size(self) -> int:
        return self._size

    @property
    def nodes(self) -> tuple[bytes, ...]:
        return tuple(self._nodes)

    def append(self, leaf: bytes) -> None:
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, got {len(leaf)}")
        current = leaf
        index = self._size
        while index & 1:
            current = node_hash(self._nodes.pop(), current)
            index >>= 1
        self._nodes.append(current)
        self._size += 1

    def root(self) -> bytes:
        if not self._nodes:
            return EMPTY_ROOT
        result = self._nodes[-1]
        for node in reversed(self._nodes[:-1]):
            result = node_hash(node, result)
        return result


def _valid_hashes(*hashes: bytes) -> bool:
    return all(len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``path`` prove leaf hash ``leaf`` at ``index`` under ``root``?"""
    if not 0 <= index < size or not _valid_hashes(leaf, root, *path):
        return False
    fn, sn = index, size - 1
    result = leaf
    for node in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(node, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and result == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: does ``proof`` show tree ``new_root`` extends tree ``old_root``?

    Size 0 is consistent with everything (empty proof); equal sizes need equal roots.
    """
    if not 0 <= old_size <= new_size or not _valid_hashes(old_root, new_root, *proof):
        return False
    if old_size == 0:
        return not proof
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = node_hash(node, first)
            second = node_hash(node, second)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second = node_hash(second, node)
        fn >>= 1
        sn >>= 1
    return first == old_root and second == new_root and sn == 0
