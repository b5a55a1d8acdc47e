"""Fuzz every other parser of outside input with random and mutated data: each raises only
its documented error type (the verifiers raise nothing and report), never a crash.

Parsers covered: ledger and tree-head lines, whole ledgers and export bundles (offline
verification), ``kordon analyze`` options (``--line``, ``--zone``, ``--model``), control
points (``camera calibrate --point`` and the points CSV), database URLs, roles, crossing
directions and zone event names.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kordon.accounts.errors import InvalidUserInputError
from kordon.accounts.users import parse_role
from kordon.analyze.options import AnalyzeError, LineSpec, ModelChoice, ZoneSpec
from kordon.cli.camera_cmd import CalibrateInputError, parse_point, read_points_csv
from kordon.evidence.bundle_verify import BundleReport, verify_bundle
from kordon.evidence.errors import EntryError
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from kordon.evidence.records import decode_entry_line, decode_tree_head_line
from kordon.evidence.verify import VerificationReport, verify_ledger
from kordon.rules.directions import parse_direction
from kordon.rules.errors import RuleConfigError
from kordon.rules.zone import parse_zone_events
from kordon.store.engine import parse_url
from kordon.store.errors import StoreError
from tests.evidence.helpers import build_ledger
from tests.evidence.test_bundle import make
from tests.fuzz.mutate import FUZZ, FUZZ_SLOW, Edit, apply_edits, edits, outcome

NUMBERS = st.sampled_from(["0", "-1", "1e308", "1e999", "nan", "inf", "-0", "12.5", "", " "])
CSVISH = st.lists(NUMBERS | st.text(max_size=6), max_size=10).map(",".join)


@pytest.fixture(scope="module")
def ledger_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("ledger")
    build_ledger(directory, Signer.generate(), count=12, every=4)
    return directory


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    root = tmp_path_factory.mktemp("bundle")
    signer = Signer.generate()
    build_ledger(root / "ledger", signer, count=8)
    data = root / "data"
    data.mkdir()
    (data / "clip.mp4").write_bytes(bytes(range(256)) * 16)
    (data / "snap.jpg").write_bytes(b"\xff\xd8" + bytes(500) + b"\xff\xd9")
    export = root / "export"
    export.mkdir()
    with Ledger(root / "ledger", signer, tree_head_every=10) as ledger:
        result = make((ledger, data, export), "b.zip")
    return result.path.read_bytes()


# -- ledger lines and ledgers -------------------------------------------------------------


@FUZZ
@given(data=st.data(), binary=st.binary(max_size=64))
def test_mutated_ledger_lines_raise_only_entry_errors(
    ledger_dir: Path, data: st.DataObject, binary: bytes
) -> None:
    lines = (ledger_dir / "ledger.jsonl").read_bytes().splitlines()
    heads = (ledger_dir / "tree_heads.jsonl").read_bytes().splitlines()
    line = data.draw(st.sampled_from(lines), label="line")
    head = data.draw(st.sampled_from(heads), label="head")
    script = data.draw(edits(), label="edits")
    for raw in (line, apply_edits(line.decode(), script).encode("utf-8", "surrogatepass"), binary):
        outcome(EntryError, partial(decode_entry_line, raw))
    for raw in (head, apply_edits(head.decode(), script).encode("utf-8", "surrogatepass"), binary):
        outcome(EntryError, partial(decode_tree_head_line, raw))


@FUZZ_SLOW
@given(st.sampled_from(["ledger.jsonl", "tree_heads.jsonl"]), edits(3))
def test_a_mutated_ledger_is_reported_never_raised(
    ledger_dir: Path, name: str, script: list[Edit]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "ledger"
        shutil.copytree(ledger_dir, copy)
        original = (copy / name).read_bytes()
        mutated = apply_edits(original.decode(), script).encode("utf-8", "surrogatepass")
        (copy / name).write_bytes(mutated)
        report = verify_ledger(copy)
    assert isinstance(report, VerificationReport)
    # A second copy of a signed head repeats a true, signed statement (a node may sign
    # the same tree twice); every other change of either file must be reported.
    repeated_head = name == "tree_heads.jsonl" and any(op == 3 for op, *_ in script)
    if mutated != original and not repeated_head:
        assert not report.ok, "an altered ledger file verified"


# -- export bundles -----------------------------------------------------------------------


def _mutations(size: int) -> st.SearchStrategy[list[tuple[int, int, int]]]:
    """(kind, offset, value): flip bits of a byte, delete a byte, insert a byte."""
    return st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, size - 1), st.integers(1, 255)),
        min_size=1,
        max_size=4,
    )


def _mutate(data: bytes, script: list[tuple[int, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, offset, value in script:
        at = offset % max(len(out), 1)
        if kind == 0 and out:
            out[at] ^= value
        elif kind == 1 and out:
            del out[at]
        else:
            out.insert(at, value)
    return bytes(out)


@FUZZ_SLOW
@given(st.data())
def test_any_altered_byte_of_a_bundle_fails_verification(
    bundle: bytes, data: st.DataObject
) -> None:
    mutated = _mutate(bundle, data.draw(_mutations(len(bundle)), label="mutations"))
    cut = data.draw(st.integers(0, len(mutated)), label="truncate at")
    mutated = mutated[:cut] if data.draw(st.booleans(), label="truncate") else mutated
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bundle.zip"
        path.write_bytes(mutated)
        report = verify_bundle(path)
    assert isinstance(report, BundleReport)
    assert report.ok is (mutated == bundle), report.render()
    assert report.render()


def test_the_bundle_seed_verifies(bundle: bytes, tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    path.write_bytes(bundle)
    assert verify_bundle(path).ok


# -- command-line values ------------------------------------------------------------------


@FUZZ
@given(st.text(max_size=60) | CSVISH)
@example("1,2,3,4")
@example("0,0,1e999,0")
@example("nan,0,1,1")
def test_analyze_option_parsers_raise_only_analyze_errors(text: str) -> None:
    line = outcome(AnalyzeError, lambda: LineSpec.parse(text, "line-1"))
    if isinstance(line, LineSpec):
        assert line.start_xy != line.end_xy
    zone = outcome(AnalyzeError, lambda: ZoneSpec.parse(text, "zone-1"))
    if isinstance(zone, ZoneSpec):
        assert len(zone.polygon_xy) >= 3
    outcome(AnalyzeError, lambda: ModelChoice.parse(text))


@FUZZ
@given(st.text(max_size=60) | CSVISH)
@example("1,2,91,0")
@example("1,2,inf,0")
def test_control_points_raise_only_calibrate_input_errors(text: str) -> None:
    point = outcome(CalibrateInputError, lambda: parse_point(text, "--point 1"))
    if not isinstance(point, CalibrateInputError):
        assert -90.0 <= point.lat <= 90.0
        assert -180.0 <= point.lon <= 180.0


@FUZZ
@given(st.lists(CSVISH | st.text(max_size=30), max_size=8), st.binary(max_size=40))
def test_points_csv_files_raise_only_calibrate_input_errors(rows: list[str], junk: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for content in ("\n".join(rows).encode("utf-8", "surrogatepass"), junk):
            path = Path(tmp) / "points.csv"
            path.write_bytes(content)
            outcome(CalibrateInputError, partial(read_points_csv, path))


def _names() -> Iterator[st.SearchStrategy[str]]:
    yield st.text(max_size=30)
    yield st.sampled_from(["in", "out", "inbound", "enter", "exit", "dwell", "admin", ""])


@FUZZ
@given(st.one_of(*_names()), st.lists(st.one_of(*_names()), max_size=4))
def test_names_raise_only_their_documented_errors(name: str, names: list[str]) -> None:
    outcome(RuleConfigError, lambda: parse_direction(name))
    outcome(RuleConfigError, lambda: parse_zone_events(names))
    outcome(InvalidUserInputError, lambda: parse_role(name))


@FUZZ
@given(st.text(max_size=80) | st.from_regex(r"[a-z+]{0,20}://[^\s]{0,40}", fullmatch=True))
@example("postgresql+psycopg://u:p@h:99999/db")
@example("postgresql://kordon@db:port/kordon")  # raised ValueError from SQLAlchemy
@example("sqlite://")
def test_database_urls_raise_only_store_errors(url: str) -> None:
    outcome(StoreError, lambda: parse_url(url))
