"""Offline verification of an export bundle, with nothing but the bundle (and a pinned key)."""

from __future__ import annotations

import hashlib
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from kordon.evidence.canonical import canonical_json
from kordon.evidence.entry import EntryKind, LedgerEntry
from kordon.evidence.errors import EntryError, KeyFileError
from kordon.evidence.keys import Verifier
from kordon.evidence.manifest import (
    FILES_DIR,
    FINGERPRINT_NAME,
    MANIFEST_NAME,
    METADATA_NAMES,
    PROOF_NAME,
    PUBLIC_KEY_NAME,
    TREE_HEAD_NAME,
    BundleManifest,
    LedgerProof,
    ManifestFile,
)
from kordon.evidence.merkle import verify_inclusion
from kordon.evidence.records import decode_tree_head_line
from kordon.evidence.tree_head import SignedTreeHead
from kordon.evidence.zipformat import ZipMember, layout

MAX_METADATA_BYTES = 1 << 20
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BundleReport:
    path: Path
    issues: tuple[str, ...]
    manifest: BundleManifest | None = None
    tree_head: SignedTreeHead | None = None
    key_fingerprint: str | None = None

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def derived(self) -> tuple[ManifestFile, ...]:
        """The derived files the manifest lists (privacy-masked copies), hashed like the rest."""
        if self.manifest is None:
            return ()
        return tuple(f for f in self.manifest.files if f.derivation is not None)

    def render(self) -> str:
        if self.ok and self.manifest is not None:
            m = self.manifest
            lines = [
                f"bundle {self.path}: OK: {len(m.files)} file(s), site {m.site_id}, "
                f"ledger entry {m.ledger_seq}, signed by key {self.key_fingerprint}"
            ]
            for item in self.derived:
                assert item.derivation is not None
                origin = item.derivation.derived_from
                lines.append(
                    f"  derived: {item.name} ({item.derivation.transform}, "
                    f"{len(item.derivation.polygons_px)} polygon(s), re-encoded "
                    f"{item.derivation.codec}) from {origin.name} "
                    f"(sha256 {origin.sha256[:16]}…); not original evidence"
                )
            return "\n".join(lines)
        return "\n".join(
            [f"bundle {self.path}: FAILED, {len(self.issues)} problem(s):"]
            + [f"  - {issue}" for issue in self.issues]
        )


@dataclass
class _Contents:
    names: list[str] = field(default_factory=list)
    digests: dict[str, tuple[str, int]] = field(default_factory=dict)
    """sha256 hex and size of every member."""
    small: dict[str, bytes] = field(default_factory=dict)
    """The bytes of the metadata members."""


def verify_bundle(path: Path, pinned_public_key: Verifier | bytes | None = None) -> BundleReport:
    """Check a bundle offline; every problem is reported, nothing raises on bad input.

    Checks, in order: the container (for a zip, every header byte against the canonical
    layout), that exactly the expected members are present, the bundled key (and that it is
    the pinned key when one is given), the tree head signature, the export entry and its
    inclusion proof in the tree head, the manifest hash in the entry, and every file hash.
    """
    issues: list[str] = []
    contents = _read_container(path, issues)
    if contents is None:
        return BundleReport(path, tuple(issues))
    checker = _Checker(contents, issues)
    checker.run(pinned_public_key)
    return BundleReport(
        path, tuple(issues), checker.manifest, checker.head, checker.key_fingerprint
    )


def _read_container(path: Path, issues: list[str]) -> _Contents | None:
    try:
        if path.is_symlink():
            issues.append(f"{path} is a symbolic link, not a bundle")
            return None
        if path.is_dir():
            return _read_directory(path, issues)
        if path.is_file():
            return _read_zip(path, issues)
        issues.append(f"{path} does not exist")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error) as exc:
        issues.append(f"zip structure corrupt: {exc}")
    except (OSError, EOFError, ValueError, KeyError, NotImplementedError, RuntimeError) as exc:
        issues.append(f"bundle unreadable: {type(exc).__name__}: {exc}")
    return None


def _read_zip(path: Path, issues: list[str]) -> _Contents | None:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    members = []
    for info in infos:
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            issues.append(f"zip member {info.filename!r} is compressed; bundles store members")
            return None
        members.append(ZipMember(info.filename, info.file_size, info.CRC))
    contents = _Contents(names=[m.name for m in members])
    total = path.stat().st_size
    with path.open("rb") as handle:
        for region in layout(members):
            handle.seek(region.offset)
            if region.header is not None:
                if handle.read(len(region.header)) != region.header:
                    issues.append(
                        f"zip structure altered at byte {region.offset} "
                        "(headers differ from the canonical bundle layout)"
                    )
                    return None
                end = region.offset + len(region.header)
            else:
                assert region.member is not None
                if not _read_member(handle, region.member, contents, issues):
                    return None
                end = region.offset + region.member.size_bytes
        if end != total:
            issues.append(f"zip has {total - end} unexpected trailing bytes")
            return None
    return contents


def _read_member(
    handle: BinaryIO, member: ZipMember, contents: _Contents, issues: list[str]
) -> bool:
    keep = member.name in METADATA_NAMES
    if keep and member.size_bytes > MAX_METADATA_BYTES:
        issues.append(f"{member.name} is {member.size_bytes} bytes, too large for metadata")
        return False
    digest = hashlib.sha256()
    crc = 0
    kept: list[bytes] = []
    remaining = member.size_bytes
    while remaining:
        chunk = handle.read(min(_CHUNK, remaining))
        if not chunk:
            issues.append(f"zip member {member.name!r} is cut short")
            return False
        digest.update(chunk)
        crc = zlib.crc32(chunk, crc)
        remaining -= len(chunk)
        if keep:
            kept.append(chunk)
    if member.crc32 is not None and crc != member.crc32:
        issues.append(f"zip member {member.name!r} fails its CRC-32 check")
    contents.digests[member.name] = (digest.hexdigest(), member.size_bytes)
    if keep:
        contents.small[member.name] = b"".join(kept)
    return True


def _read_directory(root: Path, issues: list[str]) -> _Contents:
    contents = _Contents()
    for directory, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            full = Path(directory) / name
            relative = full.relative_to(root).as_posix()
            if full.is_symlink():
                issues.append(f"{relative} is a symbolic link; bundles hold only plain files")
            elif full.is_file():
                contents.names.append(relative)
                with full.open("rb") as handle:
                    size = full.stat().st_size
                    member = ZipMember(relative, size, crc32=None)
                    _read_member(handle, member, contents, issues)
            elif not full.is_dir():
                issues.append(f"{relative} is not a regular file")
    return contents


class _Checker:
    def __init__(self, contents: _Contents, issues: list[str]) -> None:
        self.contents = contents
        self.issues = issues
        self.manifest: BundleManifest | None = None
        self.head: SignedTreeHead | None = None
        self.key_fingerprint: str | None = None

    def run(self, pinned: Verifier | bytes | None) -> None:
        missing = [n for n in METADATA_NAMES if n not in self.contents.small]
        if missing:
            self.issues.append(f"missing bundle files: {', '.join(missing)}")
            return
        verifier = self._key(pinned)
        self.head = self._tree_head(verifier)
        entry = self._proof(self.head)
        self.manifest = self._manifest(entry)
        self._files(self.manifest)

    def _key(self, pinned: Verifier | bytes | None) -> Verifier | None:
        pem = self.contents.small[PUBLIC_KEY_NAME]
        try:
            verifier = Verifier.from_pem(pem)
        except KeyFileError as exc:
            self.issues.append(f"{PUBLIC_KEY_NAME}: {exc}")
            return None
        if verifier.public_pem() != pem:
            self.issues.append(f"{PUBLIC_KEY_NAME} is not in canonical PEM form (altered)")
        self.key_fingerprint = verifier.fingerprint()
        if self.contents.small[FINGERPRINT_NAME] != (verifier.fingerprint() + "\n").encode():
            self.issues.append(f"{FINGERPRINT_NAME} does not match the bundled public key")
        if pinned is not None:
            trusted = pinned if isinstance(pinned, Verifier) else Verifier.from_pem(pinned)
            if trusted.key_id != verifier.key_id:
                self.issues.append(
                    f"the bundle is signed by key {verifier.fingerprint()}, "
                    f"not the pinned site key {trusted.fingerprint()}"
                )
        return verifier

    def _tree_head(self, verifier: Verifier | None) -> SignedTreeHead | None:
        try:
            head = decode_tree_head_line(self.contents.small[TREE_HEAD_NAME])
        except EntryError as exc:
            self.issues.append(f"{TREE_HEAD_NAME}: {exc}")
            return None
        if verifier is not None and not head.signature_valid(verifier):
            self.issues.append(f"{TREE_HEAD_NAME}: signature does not verify with the bundled key")
        return head

    def _proof(self, head: SignedTreeHead | None) -> LedgerEntry | None:
        data = self.contents.small[PROOF_NAME]
        try:
            proof = LedgerProof.model_validate_json(data)
            entry = LedgerEntry.parse(proof.entry)
            path = [bytes.fromhex(node) for node in proof.audit_path]
        except (ValidationError, EntryError, ValueError) as exc:
            self.issues.append(f"{PROOF_NAME}: unreadable: {exc}")
            return None
        if proof.canonical_bytes() != data or canonical_json(
            entry.to_json_dict()
        ) != canonical_json(proof.entry):
            self.issues.append(f"{PROOF_NAME} is not in canonical form (altered)")
        if entry.kind is not EntryKind.EXPORT or entry.seq != proof.leaf_index:
            self.issues.append(f"{PROOF_NAME}: entry is not export entry {proof.leaf_index}")
        if head is not None:
            if proof.tree_size != head.tree_size:
                self.issues.append(
                    f"{PROOF_NAME}: proof is for size {proof.tree_size}, "
                    f"the tree head has size {head.tree_size}"
                )
            elif not verify_inclusion(
                entry.leaf_hash(), proof.leaf_index, proof.tree_size, path, head.root
            ):
                self.issues.append(
                    f"{PROOF_NAME}: export entry {entry.seq} is not included in the signed tree "
                    f"head (inclusion proof fails)"
                )
        return entry

    def _manifest(self, entry: LedgerEntry | None) -> BundleManifest | None:
        data = self.contents.small[MANIFEST_NAME]
        if entry is not None and hashlib.sha256(data).hexdigest() != entry.sha256:
            self.issues.append(f"{MANIFEST_NAME}: hash differs from the ledger export entry")
        try:
            manifest = BundleManifest.model_validate_json(data)
        except ValidationError as exc:
            self.issues.append(f"{MANIFEST_NAME}: unreadable: {exc.errors()[0]['msg']}")
            return None
        if manifest.canonical_bytes() != data:
            self.issues.append(f"{MANIFEST_NAME} is not in canonical form (altered)")
        if entry is not None and manifest.ledger_seq != entry.seq:
            self.issues.append(
                f"{MANIFEST_NAME}: names ledger entry {manifest.ledger_seq}, "
                f"the proof is for entry {entry.seq}"
            )
        return manifest

    def _files(self, manifest: BundleManifest | None) -> None:
        listed = {FILES_DIR + f.name: f for f in manifest.files} if manifest else {}
        expected = set(METADATA_NAMES) | set(listed)
        for name in self.contents.names:
            if name not in expected:
                self.issues.append(f"unexpected file in bundle: {name}")
        for name, item in sorted(listed.items()):
            found = self.contents.digests.get(name)
            if found is None:
                self.issues.append(f"{name} is listed in the manifest but missing")
            elif found != (item.sha256, item.size_bytes):
                self.issues.append(f"{name}: content differs from the manifest (hash or size)")
        if manifest is not None:
            self._derivations(manifest)

    def _derivations(self, manifest: BundleManifest) -> None:
        """A derived file names an original listed beside it, with that original's hash."""
        originals = {f.name: f for f in manifest.files if f.derivation is None}
        for item in manifest.files:
            if item.derivation is None:
                continue
            origin = item.derivation.derived_from
            found = originals.get(origin.name)
            if found is None:
                self.issues.append(
                    f"{FILES_DIR}{item.name}: derived from {origin.name!r}, which is not an "
                    "original file of this bundle"
                )
            elif found.sha256 != origin.sha256:
                self.issues.append(
                    f"{FILES_DIR}{item.name}: derived from {origin.name} with sha256 "
                    f"{origin.sha256[:16]}…, but the bundled original has {found.sha256[:16]}…"
                )
