"""Ledger entries and their canonical byte encoding (the Merkle leaf data)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, field_validator

from kordon.evidence.canonical import SHA256_PATTERN, UtcDatetime, canonical_json
from kordon.evidence.errors import EntryError
from kordon.evidence.merkle import leaf_hash

MAX_PAYLOAD_BYTES = 64 * 1024
"""Upper bound of an entry's canonical payload: entries describe evidence, never contain it."""


class EntryKind(StrEnum):
    """What a ledger entry records."""

    SEGMENT = "segment"
    CLIP = "clip"
    SNAPSHOT = "snapshot"
    EXPORT = "export"
    AUDIT = "audit"
    KEY_ROTATION = "key_rotation"
    HOLD = "hold"
    RELEASE = "release"
    DELETION = "deletion"


class LedgerEntry(BaseModel):
    """One immutable ledger entry; its :meth:`canonical_bytes` are the Merkle leaf data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int = Field(ge=0, description="0-based position in the ledger")
    time: UtcDatetime = Field(description="when the recorded fact happened (UTC)")
    kind: EntryKind
    subject: str = Field(
        min_length=1, max_length=256, description="camera id, user name or other subject"
    )
    sha256: str | None = Field(
        default=None,
        pattern=SHA256_PATTERN,
        description="lower-case hex SHA-256 of the referenced content, for files",
    )
    payload: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="small JSON object: action details, paths relative to the data dir, sizes",
    )

    @field_validator("payload")
    @classmethod
    def _payload_is_small_canonical_json(cls, value: dict[str, JsonValue]) -> dict[str, JsonValue]:
        encoded = canonical_json(value)  # rejects NaN, Infinity and unencodable text
        if len(encoded) > MAX_PAYLOAD_BYTES:
            raise ValueError(
                f"payload is {len(encoded)} bytes of canonical JSON, "
                f"more than the {MAX_PAYLOAD_BYTES} allowed"
            )
        return value

    def to_json_dict(self) -> dict[str, JsonValue]:
        data: dict[str, JsonValue] = self.model_dump(mode="json")
        return data

    def canonical_bytes(self) -> bytes:
        """Canonical JSON (sorted keys, no whitespace, UTF-8) of every field."""
        return canonical_json(self.to_json_dict())

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.canonical_bytes())

    @classmethod
    def parse(cls, data: object) -> LedgerEntry:
        """Validate a decoded JSON object; raise :class:`EntryError` naming the bad field."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}"
                for err in exc.errors()
            )
            raise EntryError(f"invalid ledger entry: {problems}") from exc


@dataclass(frozen=True)
class EntryDraft:
    """An entry before the ledger gives it a sequence number."""

    kind: EntryKind
    subject: str
    time: datetime
    sha256: str | None = None
    payload: Mapping[str, JsonValue] = field(default_factory=dict)

    def build(self, seq: int) -> LedgerEntry:
        return LedgerEntry.parse(
            {
                "seq": seq,
                "time": self.time,
                "kind": self.kind,
                "subject": self.subject,
                "sha256": self.sha256,
                "payload": dict(self.payload),
            }
        )
