"""Export bundles: exported files, manifest, ledger proof, signed tree head and site key."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from pydantic import JsonValue

from kordon.evidence.canonical import canonical_json
from kordon.evidence.entry import EntryDraft, EntryKind, LedgerEntry
from kordon.evidence.errors import BundleError, EvidenceMismatchError, LedgerError
from kordon.evidence.jsonl import fsync_dir
from kordon.evidence.keys import fingerprint
from kordon.evidence.ledger import Ledger
from kordon.evidence.manifest import (
    FILES_DIR,
    FINGERPRINT_NAME,
    MANIFEST_NAME,
    PROOF_NAME,
    PUBLIC_KEY_NAME,
    TREE_HEAD_NAME,
    BundleManifest,
    Derivation,
    ExportRequest,
    LedgerProof,
    ManifestFile,
    check_member_name,
)
from kordon.evidence.tree_head import SignedTreeHead
from kordon.evidence.zipformat import CanonicalZipWriter


@dataclass(frozen=True)
class BundleFile:
    """One file to export: its name inside the bundle's ``files/`` and where it is now.

    ``expected_sha256`` is the hash the ledger recorded for the file: the bytes copied
    into the bundle must have it, so the manifest carries the ledger's hash, never one
    recomputed from a file edited since. ``derivation`` marks a file made from another file
    of the same bundle (a privacy-masked copy); it goes into the manifest beside the hash.
    """

    name: str
    source: Path
    expected_sha256: str | None = None
    derivation: Derivation | None = None


@dataclass(frozen=True)
class BundleResult:
    path: Path
    manifest: BundleManifest
    entry: LedgerEntry
    tree_head: SignedTreeHead


class _Sink(Protocol):
    def add_file(self, name: str, source: BinaryIO) -> ManifestFile: ...
    def add_bytes(self, name: str, data: bytes) -> None: ...
    def finish(self) -> None: ...


class _ZipSink:
    def __init__(self, path: Path) -> None:
        self._handle = path.open("xb")
        self._writer = CanonicalZipWriter(self._handle)

    def add_file(self, name: str, source: BinaryIO) -> ManifestFile:
        digest = hashlib.sha256()
        try:
            member = self._writer.add_stream(FILES_DIR + name, source, digest.update)
        except ValueError as exc:
            raise BundleError(str(exc)) from exc
        return ManifestFile(name=name, size_bytes=member.size_bytes, sha256=digest.hexdigest())

    def add_bytes(self, name: str, data: bytes) -> None:
        self._writer.add_bytes(name, data)

    def finish(self) -> None:
        try:
            self._writer.close()
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except ValueError as exc:
            raise BundleError(str(exc)) from exc
        finally:
            self._handle.close()

    def abort(self) -> None:
        self._handle.close()


class _DirSink:
    def __init__(self, path: Path) -> None:
        path.mkdir()
        self._root = path

    def add_file(self, name: str, source: BinaryIO) -> ManifestFile:
        digest = hashlib.sha256()
        target = self._root / FILES_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        size = 0
        with target.open("xb") as out:
            while chunk := source.read(1 << 20):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        return ManifestFile(name=name, size_bytes=size, sha256=digest.hexdigest())

    def add_bytes(self, name: str, data: bytes) -> None:
        with (self._root / name).open("xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())

    def finish(self) -> None:
        for directory, _, _ in os.walk(self._root):
            fsync_dir(Path(directory))

    def abort(self) -> None:
        pass


def create_bundle(
    ledger: Ledger,
    files: list[BundleFile],
    request: ExportRequest,
    out_path: Path,
    time: datetime,
    *,
    export_dir: Path,
    source_root: Path | None = None,
) -> BundleResult:
    """Export ``files`` to ``out_path`` (``.zip``, else a directory) and record it in the ledger.

    The files are copied first (each hashed as it is copied, so the manifest describes
    exactly the bytes in the bundle; a file with an ``expected_sha256`` that the copied
    bytes do not have aborts the export with :class:`EvidenceMismatchError`); then an
    ``export`` entry whose sha256 is the manifest's hash is appended, a tree head is
    signed, and the proof, tree head and public key are added. The bundle appears at
    ``out_path`` atomically, or not at all.
    ``out_path`` (relative paths are taken inside ``export_dir``) must lie inside
    ``export_dir`` and not exist; with ``source_root`` every source must lie inside it.
    """
    names = [check_member_name(f.name) for f in files]
    if len(set(names)) != len(names):
        raise BundleError(f"duplicate file names in export: {sorted(names)}")
    target = _checked_out_path(export_dir, out_path)
    sources = {f.name: _checked_source(f.source, source_root) for f in files}
    expected = {f.name: f.expected_sha256 for f in files}
    derivations = {f.name: f.derivation for f in files if f.derivation is not None}
    _check_derivations(derivations, files)
    tmp = target.with_name(f".{target.name}.partial-{os.getpid()}-{threading.get_ident()}")
    sink: _ZipSink | _DirSink = _ZipSink(tmp) if target.suffix == ".zip" else _DirSink(tmp)
    try:
        listed = []
        for name in sorted(names):
            with sources[name].open("rb") as source:
                added = sink.add_file(name, source)
            listed.append(added.model_copy(update={"derivation": derivations.get(name)}))
            want = expected[name]
            if want is not None and listed[-1].sha256 != want:
                raise EvidenceMismatchError(
                    f"{name} ({sources[name]}) has sha256 {listed[-1].sha256[:16]}…, "
                    f"not the {want[:16]}… its ledger entry recorded (edited or damaged); "
                    "not exported"
                )
        hashes = {f.name: f.sha256 for f in listed}
        for name, derivation in derivations.items():
            origin = derivation.derived_from
            if hashes[origin.name] != origin.sha256:
                raise EvidenceMismatchError(
                    f"{name} is derived from {origin.name} with sha256 {origin.sha256[:16]}…, "
                    f"but the bundled {origin.name} has {hashes[origin.name][:16]}…; not exported"
                )
        result = _record(
            ledger, sink, listed=tuple(listed), request=request, target=target, time=time
        )
        sink.finish()
        os.rename(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        sink.abort()
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise
    return BundleResult(target, result.manifest, result.entry, result.tree_head)


def _record(
    ledger: Ledger,
    sink: _Sink,
    *,
    listed: tuple[ManifestFile, ...],
    request: ExportRequest,
    target: Path,
    time: datetime,
) -> BundleResult:
    manifests: list[tuple[BundleManifest, bytes]] = []

    def build(seq: int) -> EntryDraft:
        manifest = BundleManifest(
            **request.model_dump(), files=listed, created=time, ledger_seq=seq
        )
        encoded = manifest.canonical_bytes()
        manifests.append((manifest, encoded))
        payload: dict[str, JsonValue] = {
            "bundle": target.name,
            "files": len(listed),
            "size_bytes": sum(f.size_bytes for f in listed),
            "incident_id": request.incident_id,
            "reason": request.reason,
        }
        digest = hashlib.sha256(encoded).hexdigest()
        return EntryDraft(EntryKind.EXPORT, request.exported_by, time, digest, payload)

    try:
        entry = ledger.append_built(build)
        head = ledger.sign_tree_head(time)
        proof = ledger.inclusion_proof(entry.seq, head.tree_size)
    except LedgerError as exc:
        raise BundleError(f"cannot record the export in the ledger: {exc}") from exc
    manifest, manifest_bytes = manifests[-1]
    proof_doc = LedgerProof(
        entry=entry.to_json_dict(),
        leaf_index=proof.leaf_index,
        tree_size=proof.tree_size,
        audit_path=tuple(node.hex() for node in proof.path),
    )
    sink.add_bytes(MANIFEST_NAME, manifest_bytes)
    sink.add_bytes(PROOF_NAME, canonical_json(proof_doc.model_dump(mode="json")))
    sink.add_bytes(TREE_HEAD_NAME, head.canonical_bytes())
    sink.add_bytes(PUBLIC_KEY_NAME, ledger.verifier.public_pem())
    sink.add_bytes(FINGERPRINT_NAME, (fingerprint(ledger.verifier.key_id) + "\n").encode())
    return BundleResult(target, manifest, entry, head)


def _check_derivations(derivations: dict[str, Derivation], files: list[BundleFile]) -> None:
    """Each derived file names an original of the same bundle (never another derived one)."""
    originals = {f.name for f in files if f.derivation is None}
    for name, derivation in derivations.items():
        origin = derivation.derived_from.name
        if origin not in originals:
            raise BundleError(
                f"{name} is derived from {origin!r}, which is not an original file of this export"
            )


def _checked_out_path(export_dir: Path, out_path: Path) -> Path:
    if not export_dir.is_dir():
        raise BundleError(f"export directory {export_dir} does not exist")
    root = export_dir.resolve()
    target = out_path if out_path.is_absolute() else export_dir / out_path
    if target.name in ("", ".", "..") or target.name.startswith("."):
        raise BundleError(f"bundle name {target.name!r} is not a plain file name")
    parent = target.parent.resolve()  # follows symlinks: a link out of the export dir fails
    if not parent.is_relative_to(root):
        raise BundleError(f"bundle path {out_path} is outside the export directory {root}")
    if not parent.is_dir():
        raise BundleError(f"bundle folder {parent} does not exist")
    final = parent / target.name
    if os.path.lexists(final):
        raise BundleError(f"{final} already exists; bundles are never overwritten")
    return final


def _checked_source(source: Path, source_root: Path | None) -> Path:
    resolved = source.resolve()
    if source_root is not None and not resolved.is_relative_to(source_root.resolve()):
        raise BundleError(f"{source} is outside the data directory {source_root}")
    if not resolved.is_file():
        raise BundleError(f"{source} is not a regular file")
    return resolved
