"""``kordon ledger verify SITE`` as an operator runs it: files, witnesses, rollback."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kordon.cli import app
from kordon.evidence.entry import EntryKind
from kordon.evidence.witness import WITNESS_FILE
from kordon.store import Store, sqlite_url
from kordon.video.source.clock import FakeClock
from tests.services.ledger_support import running_ledger

runner = CliRunner()
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def site(repo_root: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The example site in ``tmp_path`` with a ledger of 4 segments and 16 audit entries,
    heads signed at 10 and 20 entries, witnessed in a file and in the site database."""
    for path in (repo_root / "examples" / "volyn").iterdir():
        shutil.copy(path, tmp_path / path.name)
    data_dir = tmp_path / "var" / "volyn"  # the example's default data directory
    clock = FakeClock(T0)
    with (
        Store(sqlite_url(data_dir / "kordon.db")) as store,
        running_ledger(data_dir, clock, database=lambda: store.sessions) as service,
    ):
        for i in range(20):
            if i % 5 == 0:
                path_rel = f"recordings/cam-1/seg-{i:02d}.ts"
                (data_dir / path_rel).parent.mkdir(parents=True, exist_ok=True)
                (data_dir / path_rel).write_bytes(f"segment {i}".encode() * 300)
                digest = hashlib.sha256((data_dir / path_rel).read_bytes()).hexdigest()
                service.append(
                    EntryKind.SEGMENT, "cam-1", sha256=digest, payload={"path": path_rel}
                )
            else:
                service.append(EntryKind.AUDIT, "alice", payload={"i": i})
            if i == 9:
                service.ledger.sign_tree_head(clock.now())
    return tmp_path / "site.yaml", data_dir


def _verify(site_file: Path, *options: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ledger", "verify", str(site_file), *options])
    return result.exit_code, result.output


def test_an_intact_site_verifies_with_its_files_and_witnesses(site: tuple[Path, Path]) -> None:
    code, output = _verify(site[0])
    assert code == 0, output
    assert "OK (20 entries, 2 signed tree heads, 4 files re-hashed)" in output
    assert "witness" not in output  # both witnesses were found and agree


def test_every_segment_edited_fails_naming_the_first(site: tuple[Path, Path]) -> None:
    site_file, data_dir = site
    for path in sorted((data_dir / "recordings").rglob("*.ts")):
        data = bytearray(path.read_bytes())
        data[7] ^= 0x20
        path.write_bytes(bytes(data))
    code, output = _verify(site_file)
    assert code == 1, output
    assert "FAILED" in output
    assert "4 of 4 files differ from their ledger entries; first: " in output
    assert "recordings/cam-1/seg-00.ts differs from ledger entry 0" in output
    code, output = _verify(site_file, "--skip-files")
    assert code == 0, output
    assert "not re-hashed (--skip-files)" in output


def test_a_ledger_cut_back_to_an_earlier_head_fails(site: tuple[Path, Path]) -> None:
    site_file, data_dir = site
    ledger = data_dir / "ledger"
    lines = (ledger / "ledger.jsonl").read_bytes().splitlines(keepends=True)
    (ledger / "ledger.jsonl").write_bytes(b"".join(lines[:10]))
    heads = (ledger / "tree_heads.jsonl").read_bytes().splitlines(keepends=True)
    (ledger / "tree_heads.jsonl").write_bytes(b"".join(heads[:1]))
    code, output = _verify(site_file)
    assert code == 1, output
    assert output.count("rollback: ") == 2  # the witness file and the database
    assert "only 10 entries (entries 10..19 were cut off)" in output
    (data_dir / WITNESS_FILE).unlink()
    code, output = _verify(site_file)
    assert code == 1, output
    assert "rollback: database witness (table ledger_witness) holds a signed tree head" in output
