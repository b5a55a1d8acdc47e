"""``MerkleFrontier`` gives the RFC 6962 root at every size, and survives a save and a load."""

from __future__ import annotations

import hashlib

import pytest

from kordon.evidence.merkle import MerkleFrontier, MerkleTree


def _leaf(n: int) -> bytes:
    return hashlib.sha256(f"leaf {n}".encode()).digest()


def test_the_root_matches_the_full_tree_at_every_size_and_after_a_reload() -> None:
    tree = MerkleTree()
    frontier = MerkleFrontier()
    assert frontier.root() == tree.root()
    for n in range(70):
        tree.append(_leaf(n))
        frontier.append(_leaf(n))
        assert frontier.root() == tree.root(), n
        reloaded = MerkleFrontier(frontier.size, frontier.nodes)
        assert reloaded.root() == tree.root()
    assert len(frontier.nodes) == bin(70).count("1")


@pytest.mark.parametrize(
    ("size", "nodes", "error"),
    [
        (3, [b"\x00" * 32], "a tree of 3 leaves has 2 subtree roots, got 1"),
        (1, [b"\x00" * 31], "every subtree root is 32 bytes"),
        (-1, [], "has 0 subtree roots"),
    ],
)
def test_nodes_that_do_not_fit_the_size_are_refused(
    size: int, nodes: list[bytes], error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        MerkleFrontier(size, nodes)
