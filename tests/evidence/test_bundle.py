"""Export bundles: create, verify offline, detect any single flipped byte, refuse bad paths."""

from __future__ import annotations

import io
import random
import shutil
import zipfile
from pathlib import Path

import pytest

from kordon.evidence.bundle import BundleFile, BundleResult, create_bundle
from kordon.evidence.bundle_verify import verify_bundle
from kordon.evidence.errors import BundleError
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.evidence.manifest import ExportRequest, TimeGap
from kordon.evidence.zipformat import CanonicalZipWriter

from .helpers import at, build_ledger

REQUEST = ExportRequest(
    site_id="volyn-07",
    camera_id="cam-3",
    start=at(0),
    end=at(600),
    gaps=(TimeGap(start=at(100), end=at(130)),),
    exported_by="supervisor.koval",
    reason="court request 2024/117",
    incident_id="inc-0042",
)


@pytest.fixture
def signer() -> Signer:
    return Signer.generate()


@pytest.fixture
def setup(tmp_path: Path, signer: Signer) -> tuple[Ledger, Path, Path]:
    """An open ledger with history, an export dir and a data dir with two small files."""
    build_ledger(tmp_path / "ledger", signer, count=30)
    data = tmp_path / "data"
    data.mkdir()
    rng = random.Random(7)
    (data / "clip.mp4").write_bytes(rng.randbytes(64 * 1024))
    (data / "snap.jpg").write_bytes(rng.randbytes(3000))
    export = tmp_path / "export"
    export.mkdir()
    ledger = Ledger(tmp_path / "ledger", signer, tree_head_every=10)
    ledger.open()
    return ledger, data, export


def make(setup: tuple[Ledger, Path, Path], name: str) -> BundleResult:
    ledger, data, export = setup
    files = [
        BundleFile("cam-3/clip.mp4", data / "clip.mp4"),
        BundleFile("snap.jpg", data / "snap.jpg"),
    ]
    return create_bundle(
        ledger, files, REQUEST, Path(name), at(900), export_dir=export, source_root=data
    )


@pytest.mark.parametrize("name", ["bundle.zip", "bundle_dir"])
def test_create_then_verify(setup: tuple[Ledger, Path, Path], signer: Signer, name: str) -> None:
    result = make(setup, name)
    ledger = setup[0]
    assert result.entry.kind == "export"
    assert result.manifest.ledger_seq == result.entry.seq == 30
    assert ledger.entry(30) == result.entry
    assert [f.name for f in result.manifest.files] == ["cam-3/clip.mp4", "snap.jpg"]
    report = verify_bundle(result.path, signer.verifier)
    assert report.ok, report.render()
    assert report.manifest == result.manifest
    assert "OK: 2 file(s)" in report.render()
    assert verify_bundle(result.path, signer.public_pem()).ok


def test_zip_is_readable_by_standard_tools(setup: tuple[Ledger, Path, Path]) -> None:
    result = make(setup, "b.zip")
    with zipfile.ZipFile(result.path) as archive:
        assert archive.testzip() is None
        clip = archive.read("files/cam-3/clip.mp4")
    assert clip == (setup[1] / "clip.mp4").read_bytes()


def test_zip_writer_is_deterministic() -> None:
    outputs = []
    for _ in range(2):
        buffer = io.BytesIO()
        writer = CanonicalZipWriter(buffer)
        writer.add_bytes("a.json", b"{}")
        writer.add_stream("files/b.bin", io.BytesIO(b"x" * 5000))
        writer.close()
        outputs.append(buffer.getvalue())
    assert outputs[0] == outputs[1]


def test_pinned_key_mismatch_fails(setup: tuple[Ledger, Path, Path]) -> None:
    result = make(setup, "b.zip")
    report = verify_bundle(result.path, Signer.generate().verifier)
    assert not report.ok
    assert "not the pinned site key" in report.issues[0]


def member_spans(path: Path) -> dict[str, range]:
    with zipfile.ZipFile(path) as archive:
        spans = {}
        for info in archive.infolist():
            start = info.header_offset + 30 + len(info.filename.encode())
            spans[info.filename] = range(start, start + info.file_size)
    return spans


def flip_detected(original: bytes, position: int, target: Path) -> bool:
    data = bytearray(original)
    data[position] ^= 0x01
    target.write_bytes(bytes(data))
    return not verify_bundle(target).ok  # must report, never raise


def test_any_flipped_byte_is_detected(setup: tuple[Ledger, Path, Path], tmp_path: Path) -> None:
    result = make(setup, "b.zip")
    original = result.path.read_bytes()
    spans = member_spans(result.path)
    clip = spans["files/cam-3/clip.mp4"]
    in_data = {p for span in spans.values() for p in span}
    structure = [p for p in range(len(original)) if p not in in_data]
    rng = random.Random(1)
    positions = [
        *(p for name in spans if not name.startswith("files/") for p in spans[name]),
        *structure,  # every header, central directory and end-record byte
        *rng.sample(clip, 200),
        *spans["files/snap.jpg"][:50],
    ]
    target = tmp_path / "flipped.zip"
    missed = [p for p in positions if not flip_detected(original, p, target)]
    assert missed == []
    assert len(positions) > 2000


def test_bad_containers_are_reported(setup: tuple[Ledger, Path, Path], tmp_path: Path) -> None:
    result = make(setup, "b.zip")
    original = result.path.read_bytes()
    cases = {
        "truncated.zip": original[:-10],
        "garbage.zip": b"not a zip at all",
        "empty.zip": b"",
        "trailing.zip": original + b"\x00",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        report = verify_bundle(tmp_path / name)
        assert not report.ok, name
    extra = tmp_path / "extra.zip"
    shutil.copy(result.path, extra)
    with zipfile.ZipFile(extra, "a") as archive:
        archive.writestr("files/planted.mp4", b"fake")
    assert not verify_bundle(extra).ok
    assert not verify_bundle(tmp_path / "missing.zip").ok


def test_directory_bundle_rejects_extra_and_edited_files(setup: tuple[Ledger, Path, Path]) -> None:
    result = make(setup, "bdir")
    (result.path / "files" / "planted.mp4").write_bytes(b"fake")
    assert verify_bundle(result.path).issues == ("unexpected file in bundle: files/planted.mp4",)
    (result.path / "files" / "planted.mp4").unlink()
    snap = result.path / "files" / "snap.jpg"
    snap.write_bytes(snap.read_bytes()[:-1] + b"\x00")
    assert verify_bundle(result.path).issues == (
        "files/snap.jpg: content differs from the manifest (hash or size)",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../escape.zip", "outside the export directory"),
        ("/tmp/escape.zip", "outside the export directory"),
        ("..", "not a plain file name"),
        ("sub/x.zip", "does not exist"),
    ],
)
def test_output_path_must_stay_in_export_dir(
    setup: tuple[Ledger, Path, Path], name: str, message: str
) -> None:
    with pytest.raises(BundleError, match=message):
        make(setup, name)
    assert setup[0].size == 30  # nothing recorded


def test_symlink_out_of_export_dir_is_rejected(
    setup: tuple[Ledger, Path, Path], tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (setup[2] / "link").symlink_to(outside)
    with pytest.raises(BundleError, match="outside the export directory"):
        make(setup, "link/x.zip")


@pytest.mark.parametrize(
    "bad_name", ["../etc/passwd", "/etc/passwd", "a/../b", "a//b", "a\\b", "c:x", "", "a/./b"]
)
def test_bad_member_names_are_rejected(setup: tuple[Ledger, Path, Path], bad_name: str) -> None:
    ledger, data, export = setup
    files = [BundleFile(bad_name, data / "clip.mp4")]
    with pytest.raises(BundleError, match="file name"):
        create_bundle(ledger, files, REQUEST, Path("x.zip"), at(900), export_dir=export)
    assert list(export.iterdir()) == []


def test_bad_sources_and_existing_output(setup: tuple[Ledger, Path, Path], tmp_path: Path) -> None:
    ledger, data, export = setup
    secret = tmp_path / "secret.txt"
    secret.write_text("x")
    (data / "sneaky").symlink_to(secret)
    with pytest.raises(BundleError, match="outside the data directory"):
        create_bundle(ledger, [BundleFile("s", data / "sneaky")], REQUEST, Path("x.zip"),
                      at(1), export_dir=export, source_root=data)  # fmt: skip
    with pytest.raises(BundleError, match="not a regular file"):
        create_bundle(ledger, [BundleFile("d", data)], REQUEST, Path("x.zip"), at(1),
                      export_dir=export)  # fmt: skip
    two = [BundleFile("a", data / "snap.jpg"), BundleFile("a", data / "clip.mp4")]
    with pytest.raises(BundleError, match="duplicate"):
        create_bundle(ledger, two, REQUEST, Path("x.zip"), at(1), export_dir=export)
    make(setup, "once.zip")
    with pytest.raises(BundleError, match="already exists"):
        make(setup, "once.zip")


def test_export_request_rejects_inverted_period() -> None:
    with pytest.raises(ValueError, match="ends"):
        ExportRequest(site_id="s", start=at(10), end=at(0), exported_by="u", reason="r")


@pytest.mark.shared
def test_real_footage_bundle(vtest_avi: Path, tmp_path: Path, signer: Signer) -> None:
    export = tmp_path / "export"
    export.mkdir()
    with Ledger(tmp_path / "ledger", signer) as ledger:
        result = create_bundle(ledger, [BundleFile("vtest.avi", vtest_avi)], REQUEST,
                               Path("pets.zip"), at(900), export_dir=export)  # fmt: skip
    report = verify_bundle(result.path, signer.verifier)
    assert report.ok, report.render()
    assert result.manifest.files[0].size_bytes == vtest_avi.stat().st_size
