"""The manifest and proof files inside an export bundle, and bundle member names."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from kordon.evidence.canonical import SHA256_PATTERN, UtcDatetime, canonical_json
from kordon.evidence.errors import BundleError

BUNDLE_FORMAT_VERSION: Literal[1] = 1
MANIFEST_NAME = "manifest.json"
PROOF_NAME = "ledger_proof.json"
TREE_HEAD_NAME = "tree_head.json"
PUBLIC_KEY_NAME = "public_key.pem"
FINGERPRINT_NAME = "public_key_fingerprint.txt"
FILES_DIR = "files/"
METADATA_NAMES = (MANIFEST_NAME, PROOF_NAME, TREE_HEAD_NAME, PUBLIC_KEY_NAME, FINGERPRINT_NAME)
"""Written after the exported files, in this order."""
MAX_NAME_CHARS = 200


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.model_dump(mode="json"))


class TimeGap(_Strict):
    """A span inside the exported period with no footage (camera offline, link down)."""

    start: UtcDatetime
    end: UtcDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"gap ends ({self.end}) before it starts ({self.start})")
        return self


class ExportRequest(_Strict):
    """What the exporting operator supplies for the manifest."""

    site_id: str = Field(min_length=1, max_length=128)
    camera_id: str | None = Field(default=None, max_length=128)
    start: UtcDatetime = Field(description="start of the exported period")
    end: UtcDatetime = Field(description="end of the exported period")
    gaps: tuple[TimeGap, ...] = ()
    exported_by: str = Field(min_length=1, max_length=256)
    reason: str = Field(min_length=1, max_length=2000)
    incident_id: str | None = Field(default=None, max_length=128)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError(f"export period ends ({self.end}) before it starts ({self.start})")
        return self


MAX_MASK_POLYGONS = 100
MAX_POLYGON_POINTS = 1000

PolygonPx = tuple[tuple[float, float], ...]
"""An image polygon ``((x, y), ...)`` in pixels, origin top-left."""


class DerivedFrom(_Strict):
    """The bundled file a derived file was made from, and that file's SHA-256."""

    name: str = Field(description="path inside files/ of the original")
    sha256: str = Field(pattern=SHA256_PATTERN)


class Derivation(_Strict):
    """How a derived file (never evidence in its own right) was made from an original.

    ``privacy_mask``: every frame decoded, the ``polygons_px`` filled black, re-encoded
    with ``codec``; the original travels beside it, byte-identical to its ledger entry.
    """

    derived_from: DerivedFrom
    transform: Literal["privacy_mask"]
    polygons_px: tuple[PolygonPx, ...] = Field(min_length=1, max_length=MAX_MASK_POLYGONS)
    codec: str = Field(min_length=1, max_length=64)

    @model_validator(mode="after")
    def _polygons(self) -> Self:
        for i, polygon in enumerate(self.polygons_px):
            if not 3 <= len(polygon) <= MAX_POLYGON_POINTS:
                raise ValueError(
                    f"polygon {i} has {len(polygon)} points; 3..{MAX_POLYGON_POINTS} expected"
                )
        return self


class ManifestFile(_Strict):
    name: str = Field(description="path inside files/ of the bundle")
    size_bytes: int = Field(ge=0)
    sha256: str = Field(pattern=SHA256_PATTERN)
    derivation: Derivation | None = Field(
        default=None, description="set for a derived file (a privacy-masked copy)"
    )

    @model_serializer(mode="wrap")
    def _omit_no_derivation(self, handler: SerializerFunctionWrapHandler) -> Any:
        """An original carries no ``derivation`` key, so manifests written before derived
        files existed keep their canonical bytes (and their ledger hashes)."""
        data = handler(self)
        if isinstance(data, dict) and data.get("derivation") is None:
            data.pop("derivation", None)
        return data


class BundleManifest(_Strict):
    format_version: Literal[1] = BUNDLE_FORMAT_VERSION
    site_id: str
    camera_id: str | None
    start: UtcDatetime
    end: UtcDatetime
    gaps: tuple[TimeGap, ...]
    files: tuple[ManifestFile, ...]
    exported_by: str
    reason: str
    incident_id: str | None
    created: UtcDatetime
    ledger_seq: int = Field(ge=0, description="seq of the export entry in the site ledger")


class LedgerProof(_Strict):
    """The export's ledger entry and its inclusion proof in the bundled tree head."""

    entry: dict[str, JsonValue]
    leaf_index: int = Field(ge=0)
    tree_size: int = Field(ge=1)
    audit_path: tuple[str, ...]


def check_member_name(name: str) -> str:
    """Accept a relative POSIX path that stays inside the bundle; :class:`BundleError` else."""
    if not name or len(name) > MAX_NAME_CHARS:
        raise BundleError(f"file name {name!r} must have 1..{MAX_NAME_CHARS} characters")
    if any(ord(c) < 32 or c in "\\:\x7f" for c in name):
        raise BundleError(f"file name {name!r} contains a control character, '\\' or ':'")
    if name.startswith("/"):
        raise BundleError(f"file name {name!r} is absolute; names must be relative")
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise BundleError(f"file name {name!r} has an empty, '.' or '..' component")
    return name
