"""Files named by ledger entries are re-hashed: by verification, by the index, by bundles."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kordon.evidence.bundle import BundleFile, create_bundle
from kordon.evidence.entry import EntryKind
from kordon.evidence.errors import EvidenceMismatchError
from kordon.evidence.files import entry_file, resolve_inside
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.evidence.manifest import ExportRequest
from kordon.evidence.verify import verify_ledger

from .helpers import at


@pytest.fixture
def signer() -> Signer:
    return Signer.generate()


def _segments(data_dir: Path, count: int) -> list[str]:
    """``count`` segment files with distinct content; their data-dir-relative paths."""
    paths = []
    for i in range(count):
        path_rel = f"recordings/cam-1/2024-05-01/seg-{i:03d}.ts"
        path = data_dir / path_rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(bytes([0x47]) + f"segment {i} ".encode() * 500)
        paths.append(path_rel)
    return paths


def _record(ledger: Ledger, data_dir: Path, paths: list[str]) -> None:
    for i, path_rel in enumerate(paths):
        digest = hashlib.sha256((data_dir / path_rel).read_bytes()).hexdigest()
        ledger.append(
            EntryKind.SEGMENT, "cam-1", time=at(i), sha256=digest, payload={"path": path_rel}
        )


def _flip_one_byte(path: Path, offset: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_every_segment_tampered_fails_verification_naming_the_first(
    tmp_path: Path, signer: Signer
) -> None:
    data_dir = tmp_path / "data"
    paths = _segments(data_dir, 6)
    with Ledger(data_dir / "ledger", signer) as ledger:
        _record(ledger, data_dir, paths)
        ledger.sign_tree_head(at(100))
    clean = verify_ledger(data_dir / "ledger", data_dir=data_dir)
    assert clean.ok, clean.render()
    assert clean.files is not None
    assert clean.files.checked == 6
    for path_rel in paths:
        _flip_one_byte(data_dir / path_rel)
    report = verify_ledger(data_dir / "ledger", data_dir=data_dir)
    assert not report.ok
    assert len(report.issues) == 1
    issue = report.issues[0]
    assert issue.file == paths[0]
    assert issue.seq == 0
    assert "6 of 6 files differ from their ledger entries" in issue.message
    assert f"first: {paths[0]} differs from ledger entry 0" in issue.message
    assert "FAILED" in report.render()
    skipped = verify_ledger(data_dir / "ledger")  # without data_dir nothing is re-hashed
    assert skipped.ok
    assert skipped.files is None


def test_a_missing_file_is_a_note_and_a_second_hash_for_one_file_is_an_issue(
    tmp_path: Path, signer: Signer
) -> None:
    data_dir = tmp_path / "data"
    paths = _segments(data_dir, 3)
    with Ledger(data_dir / "ledger", signer) as ledger:
        _record(ledger, data_dir, paths)
    (data_dir / paths[1]).unlink()  # as retention does
    report = verify_ledger(data_dir / "ledger", data_dir=data_dir)
    assert report.ok, report.render()
    assert report.files is not None
    assert (report.files.checked, report.files.missing) == (2, [paths[1]])
    assert any("1 files named by entries no longer exist" in n for n in report.notes)
    with Ledger(data_dir / "ledger", signer) as ledger:  # laundering: record the file again
        ledger.append(
            EntryKind.SEGMENT, "cam-1", time=at(9), sha256="0" * 64, payload={"path": paths[0]}
        )
        assert ledger.file_entry(paths[0]) == ledger.entry(0)  # the first entry still rules
    report = verify_ledger(data_dir / "ledger", data_dir=data_dir)
    assert [i.message for i in report.issues] == [
        "recorded again by entry 3 with another sha256 than entry 0 (evidence files are "
        "written once)"
    ]


def test_a_path_leaving_the_data_directory_is_reported_not_read(
    tmp_path: Path, signer: Signer
) -> None:
    data_dir = tmp_path / "data"
    (tmp_path / "outside.ts").write_bytes(b"x")
    with Ledger(data_dir / "ledger", signer) as ledger:
        ledger.append(
            EntryKind.CLIP, "cam-1", time=at(0), sha256="1" * 64, payload={"file": "../outside.ts"}
        )
    report = verify_ledger(data_dir / "ledger", data_dir=data_dir)
    assert [i.message for i in report.issues] == ["entry 0 names a file outside the data directory"]
    assert report.files is not None
    assert report.files.checked == 0


@pytest.mark.parametrize(
    ("kind", "sha256", "payload", "expected"),
    [
        (EntryKind.SEGMENT, "a" * 64, {"path": "recordings/x.ts"}, "recordings/x.ts"),
        (EntryKind.CLIP, "a" * 64, {"file": "clips/c.mp4", "clip_id": "c"}, "clips/c.mp4"),
        (EntryKind.SNAPSHOT, "a" * 64, {"path": "2024-05-01/e.jpg"}, None),  # no data-dir path
        (EntryKind.SEGMENT, None, {"path": "recordings/x.ts"}, None),  # no hash: no file
        (EntryKind.AUDIT, "a" * 64, {"file": ""}, None),
    ],
)
def test_which_file_an_entry_names(
    tmp_path: Path,
    signer: Signer,
    *,
    kind: EntryKind,
    sha256: str | None,
    payload: dict[str, str],
    expected: str | None,
) -> None:
    with Ledger(tmp_path, signer) as ledger:
        entry = ledger.append(kind, "s", time=at(0), sha256=sha256, payload=payload)
        assert entry_file(entry) == expected
        named = [expected] if expected else list(payload.values())
        assert [ledger.file_entry(p) for p in named] == [entry if expected else None]


@pytest.mark.parametrize(
    ("path_rel", "inside"),
    [("a/b.ts", True), ("../a", False), ("/etc/passwd", False), ("a//b", False), ("a/./b", False)],
)
def test_resolve_inside(tmp_path: Path, path_rel: str, inside: bool) -> None:
    assert (resolve_inside(tmp_path, path_rel) is not None) is inside


def test_the_file_index_survives_reopening(tmp_path: Path, signer: Signer) -> None:
    data_dir = tmp_path / "data"
    paths = _segments(data_dir, 2)
    with Ledger(data_dir / "ledger", signer) as ledger:
        _record(ledger, data_dir, paths)
    with Ledger(data_dir / "ledger", signer) as again:
        found = again.file_entry(paths[1])
        assert found is not None
        assert found.seq == 1
        assert found.sha256 == hashlib.sha256((data_dir / paths[1]).read_bytes()).hexdigest()
        assert again.file_entry("recordings/none.ts") is None


def _request() -> ExportRequest:
    return ExportRequest(site_id="s", start=at(0), end=at(10), exported_by="alice", reason="r")


def test_a_bundle_refuses_a_file_that_is_not_what_the_ledger_recorded(
    tmp_path: Path, signer: Signer
) -> None:
    data_dir = tmp_path / "data"
    (tmp_path / "out").mkdir()
    paths = _segments(data_dir, 2)
    with Ledger(data_dir / "ledger", signer) as ledger:
        _record(ledger, data_dir, paths)
        recorded = [ledger.file_entry(p) for p in paths]
        files = [
            BundleFile(name=p.rsplit("/", 1)[1], source=data_dir / p, expected_sha256=e.sha256)
            for p, e in zip(paths, recorded, strict=True)
            if e is not None
        ]
        _flip_one_byte(data_dir / paths[1])
        size = ledger.size
        with pytest.raises(EvidenceMismatchError, match=r"seg-001\.ts .* its ledger entry"):
            create_bundle(
                ledger, files, _request(), Path("b.zip"), at(20), export_dir=tmp_path / "out"
            )
        assert ledger.size == size  # no export entry
        assert list((tmp_path / "out").iterdir()) == []  # no bundle, no partial file
        result = create_bundle(
            ledger, files[:1], _request(), Path("c.zip"), at(20), export_dir=tmp_path / "out"
        )
    assert [f.sha256 for f in result.manifest.files] == [files[0].expected_sha256]
