"""RFC 6962 hashing, incremental tree and proofs."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.evidence.merkle import (
    EMPTY_ROOT,
    MerkleFrontier,
    MerkleTree,
    leaf_hash,
    node_hash,
    split_point,
    verify_consistency,
    verify_inclusion,
)

# The RFC 6962 test tree used by Certificate Transparency (google/certificate-transparency,
# google/trillian): eight leaves and the root at every size.
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip
CT_CONSISTENCY = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 Merkle Tree Hash, written as literally as possible."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def tree_of(count: int) -> tuple[MerkleTree, list[bytes]]:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(count)]
    tree = MerkleTree()
    tree.extend(leaves)
    return tree, leaves


def flipped(node: bytes) -> bytes:
    return bytes([node[0] ^ 1]) + node[1:]


@pytest.fixture(scope="module")
def ct_tree() -> MerkleTree:
    tree = MerkleTree()
    tree.extend(leaf_hash(d) for d in CT_LEAVES)
    return tree


def test_empty_and_leaf_hashes_follow_rfc_6962() -> None:
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]
    assert leaf_hash(b"").hex() == CT_ROOTS[1]
    assert MerkleTree().root() == EMPTY_ROOT


def test_roots_match_certificate_transparency_vectors(ct_tree: MerkleTree) -> None:
    assert [ct_tree.root(n).hex() for n in range(9)] == CT_ROOTS


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_inclusion_vectors(ct_tree: MerkleTree, index: int, size: int, path: list[str]) -> None:
    assert [p.hex() for p in ct_tree.inclusion_proof(index, size)] == path
    root = bytes.fromhex(CT_ROOTS[size])
    assert verify_inclusion(
        ct_tree.leaf(index), index, size, [bytes.fromhex(p) for p in path], root
    )


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY)
def test_consistency_vectors(ct_tree: MerkleTree, old: int, new: int, path: list[str]) -> None:
    assert [p.hex() for p in ct_tree.consistency_proof(old, new)] == path
    old_root, new_root = bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new])
    nodes = [bytes.fromhex(p) for p in path]
    assert verify_consistency(old, new, old_root, new_root, nodes)


def test_incremental_root_equals_recursive_reference_up_to_300() -> None:
    tree, leaves = tree_of(300)
    frontier = MerkleFrontier()
    for n in range(1, 301):
        frontier.append(leaves[n - 1])
        expected = reference_root(leaves[:n])
        assert tree.root(n) == expected, n
        assert frontier.root() == expected, n


def test_every_inclusion_proof_up_to_64_verifies_and_a_flipped_node_fails() -> None:
    tree, leaves = tree_of(64)
    for size in range(1, 65):
        root = tree.root(size)
        for index in range(size):
            path = tree.inclusion_proof(index, size)
            assert verify_inclusion(leaves[index], index, size, path, root)
            for k in range(len(path)):
                bad = [*path[:k], flipped(path[k]), *path[k + 1 :]]
                assert not verify_inclusion(leaves[index], index, size, bad, root)
            assert not verify_inclusion(flipped(leaves[index]), index, size, path, root)
            if size > 1:
                other = (index + 1) % size
                assert not verify_inclusion(leaves[index], other, size, path, root)


def test_every_consistency_proof_up_to_64_verifies_and_a_flipped_node_fails() -> None:
    tree, _ = tree_of(64)
    for new in range(1, 65):
        new_root = tree.root(new)
        for old in range(1, new + 1):
            old_root = tree.root(old)
            proof = tree.consistency_proof(old, new)
            assert verify_consistency(old, new, old_root, new_root, proof), (old, new)
            for k in range(len(proof)):
                bad = [*proof[:k], flipped(proof[k]), *proof[k + 1 :]]
                assert not verify_consistency(old, new, old_root, new_root, bad), (old, new, k)
            if old < new:
                assert not verify_consistency(old, new, flipped(old_root), new_root, proof)
                assert not verify_consistency(old, new, old_root, flipped(new_root), proof)


@pytest.mark.parametrize(
    ("old", "new", "proof_len", "valid"),
    [(0, 5, 0, True), (0, 5, 1, False), (5, 5, 0, True), (5, 5, 1, False), (3, 5, 0, False)],
)
def test_consistency_edge_cases(old: int, new: int, proof_len: int, valid: bool) -> None:
    tree, _ = tree_of(5)
    proof = [tree.root(1)] * proof_len
    assert verify_consistency(old, new, tree.root(old), tree.root(new), proof) is valid


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: t.inclusion_proof(5, 5), "outside a tree of size 5"),
        (lambda t: t.inclusion_proof(0, 6), "size 6 is outside"),
        (lambda t: t.consistency_proof(4, 3), "old size 4"),
        (lambda t: t.root(9), "size 9 is outside"),
        (lambda t: t.append(b"short"), "32 bytes"),
    ],
)
def test_bad_arguments_are_rejected(call: object, message: str) -> None:
    tree, _ = tree_of(5)
    with pytest.raises(ValueError, match=message):
        call(tree)  # type: ignore[operator]


def test_malformed_hashes_do_not_verify() -> None:
    tree, leaves = tree_of(4)
    assert not verify_inclusion(leaves[0], 0, 4, [b"x"], tree.root())
    assert not verify_inclusion(leaves[0], 4, 4, tree.inclusion_proof(0, 4), tree.root())
    assert split_point(5) == 4
    assert split_point(8) == 4
    with pytest.raises(ValueError, match="n >= 2"):
        split_point(1)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), size=st.integers(min_value=1, max_value=2000))
def test_proofs_hold_for_random_sizes(data: st.DataObject, size: int) -> None:
    tree, leaves = tree_of(size)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=1, max_value=size))
    root = tree.root()
    assert verify_inclusion(leaves[index], index, size, tree.inclusion_proof(index, size), root)
    proof = tree.consistency_proof(old, size)
    assert verify_consistency(old, size, tree.root(old), root, proof)
    assert len(proof) <= 2 * size.bit_length()
