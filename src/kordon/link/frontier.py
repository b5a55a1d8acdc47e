"""``Frontier``: the compact range of a growing RFC 6962 tree, restorable from its nodes.

The roots of the tree's perfect subtrees (one per set bit of its size, largest first) give
the root at the current size and absorb each new leaf in O(log n). Unlike
:class:`kordon.evidence.merkle.MerkleFrontier` it can be saved and loaded (the centre keeps
one per edge ledger in its database) and checks that the nodes fit the size.
"""

from __future__ import annotations

from collections.abc import Sequence

from kordon.evidence.merkle import EMPTY_ROOT, HASH_SIZE, node_hash


class Frontier:
    """The compact range of a tree of ``size`` leaves."""

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(nodes) != size.bit_count():
            raise ValueError(
                f"a tree of {size} leaves has {max(size, 0).bit_count()} subtree roots, "
                f"got {len(nodes)}"
            )
        if any(len(node) != HASH_SIZE for node in nodes):
            raise ValueError(f"every subtree root is {HASH_SIZE} bytes")
        self._size = size
        self._nodes = list(nodes)

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
        while index & 1:  # an odd index completes a pair with the last subtree
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
