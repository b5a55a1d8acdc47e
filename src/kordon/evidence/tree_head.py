"""Signed tree heads (STH): a signature over (tree size, root hash, time, key id)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from kordon.evidence.canonical import SHA256_PATTERN, UtcDatetime, canonical_json
from kordon.evidence.keys import Signer, Verifier

SIGNATURE_CONTEXT = b"kordon-sth-v1\x00"
"""Domain separation: a tree-head signature can never be mistaken for another signature."""


class SignedTreeHead(BaseModel):
    """A signed statement that the ledger had ``tree_size`` entries with root ``root_sha256``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    tree_size: int = Field(ge=0)
    root_sha256: str = Field(pattern=SHA256_PATTERN)
    time: UtcDatetime
    key_id: str = Field(pattern=SHA256_PATTERN)
    signature: str = Field(pattern=r"^[0-9a-f]{128}$", description="Ed25519, hex")

    @classmethod
    def create(
        cls, *, tree_size: int, root: bytes, time: datetime, signer: Signer
    ) -> SignedTreeHead:
        unsigned = cls(
            tree_size=tree_size,
            root_sha256=root.hex(),
            time=time,
            key_id=signer.key_id,
            signature="0" * 128,
        )
        signature = signer.sign(unsigned.signed_bytes())
        return unsigned.model_copy(update={"signature": signature.hex()})

    @property
    def root(self) -> bytes:
        return bytes.fromhex(self.root_sha256)

    def signed_bytes(self) -> bytes:
        """What the signature covers: every field except the signature, canonically."""
        data = self.to_json_dict()
        del data["signature"]
        return SIGNATURE_CONTEXT + canonical_json(data)

    def to_json_dict(self) -> dict[str, JsonValue]:
        data: dict[str, JsonValue] = self.model_dump(mode="json")
        return data

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json_dict())

    def signature_valid(self, verifier: Verifier) -> bool:
        """True when ``verifier`` is the named key and its signature checks."""
        if verifier.key_id != self.key_id:
            return False
        return verifier.verify(bytes.fromhex(self.signature), self.signed_bytes())
