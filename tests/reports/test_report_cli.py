"""``kordon report``: a report from the site's database, recorded in its ledger; clear
errors (exit 2) for every bad argument."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kordon.api.audit_log import MemoryAuditLog
from kordon.cli.main import app
from kordon.config.loader import load_site
from kordon.evidence.verify import verify_ledger
from kordon.register.demo import DEMO_PROJECT_ID, DemoCamera, seed_demo
from kordon.register.service import RegisterService
from kordon.services.ledger_service import LedgerService
from kordon.store import Store
from kordon.video.source.clock import FakeClock
from tests.reports.seed import seed_sector_day
from tests.support.demo_site import volyn_copy


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_file = volyn_copy(tmp_path_factory.mktemp("volyn"))
    with Store(load_site(site_file).database_url()) as store:
        seed_sector_day(store)
    return site_file


def run(site: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["report", str(site), *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_site_report_is_written_and_recorded(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "volyn-2026-03.pdf"
    code, stdout, stderr = run(
        site, "--kind", "sector", "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(out)
    )
    assert code == 0, stderr
    content = out.read_bytes()
    assert content.startswith(b"%PDF-")
    digest = hashlib.sha256(content).hexdigest()
    assert digest in stdout
    data_dir = load_site(site).data_path()
    ledger = (data_dir / "ledger" / "ledger.jsonl").read_text(encoding="utf-8")
    assert digest in ledger
    assert "report:site:volyn" in ledger
    assert verify_ledger(data_dir / "ledger").ok


def test_a_sector_report_as_html(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "s1.html"
    code, _, stderr = run(
        site,
        "--kind", "sector", "--sector", "s1-tripoint",
        "--from", "2026-03-10", "--to", "2026-03-10", "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    assert "Tripoint sector (s1-tripoint)" in out.read_text(encoding="utf-8")


BAD = "--kind sector --from 2026-03-01 --to 2026-03-01"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("--kind sector --from 2026-02-30 --to 2026-03-01", "'2026-02-30' is not a date"),
        ("--kind sector --from 2026-03-01 --to 1.3.2026", "--to: '1.3.2026'"),
        ("--kind sector --from 2026-03-10 --to 2026-03-01", "starts after it ends"),
        ("--kind weekly --from 2026-03-01 --to 2026-03-01", "unknown report kind"),
        (f"{BAD} --sector s9", "no sector 's9'.*known: s1-tripoint"),
        ("--kind project --from 2026-03-01 --to 2026-03-01", "give --project"),
        (f"{BAD} --project P1", "drop --project"),
        ("--kind sector --from 2025-01-01 --to 2026-12-31", "at most 366 days"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(
    site: Path, tmp_path: Path, args: str, message: str
) -> None:
    out = tmp_path / "r.pdf"
    code, _, stderr = run(site, *args.split(), "--out", str(out))
    assert code == 2
    assert re.search(message, stderr), stderr
    assert not out.exists()


@pytest.mark.parametrize("name", ["r.docx", "r", "r.PDF.txt"])
def test_an_unknown_output_extension_is_refused(site: Path, tmp_path: Path, name: str) -> None:
    code, _, stderr = run(
        site, "--kind", "sector", "--from", "2026-03-01", "--to", "2026-03-01",
        "--out", str(tmp_path / name),
    )  # fmt: skip
    assert code == 2
    assert "name the output file *.pdf or *.html" in stderr


def test_a_missing_output_folder_is_refused(site: Path, tmp_path: Path) -> None:
    code, _, stderr = run(
        site, "--kind", "sector", "--from", "2026-03-01", "--to", "2026-03-01",
        "--out", str(tmp_path / "nowhere" / "r.pdf"),
    )  # fmt: skip
    assert code == 2
    assert "does not exist" in stderr


def test_a_running_node_holding_the_ledger_is_named(site: Path, tmp_path: Path) -> None:
    data_dir = load_site(site).data_path()
    node = LedgerService(data_dir, clock=FakeClock(datetime(2026, 3, 11, tzinfo=UTC)))
    asyncio.run(node.start())
    try:
        out = tmp_path / "r.pdf"
        code, _, stderr = run(site, *BAD.split(), "--out", str(out))
    finally:
        asyncio.run(node.stop())
    assert code == 1
    assert "Is the site's node running?" in stderr
    assert not out.exists()


def test_a_project_report_from_the_register(site: Path, tmp_path: Path) -> None:
    with Store(load_site(site).database_url()) as store:
        seed_demo(
            RegisterService(store.sessions, MemoryAuditLog()),
            cameras=[DemoCamera("cam-1", "s1-tripoint")],
            sector_ids=["s1-tripoint"],
            time=datetime(2026, 2, 1, tzinfo=UTC),
        )
    out = tmp_path / "project.html"
    code, _, stderr = run(
        site, "--kind", "project", "--project", DEMO_PROJECT_ID,
        "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    html = out.read_text(encoding="utf-8")
    assert "DEMO DATA" in html
    assert "DEMO-0001" in html  # the agreement number
    code, _, stderr = run(
        site, "--kind", "project", "--project", "P-404",
        "--from", "2026-03-01", "--to", "2026-03-31", "--out", str(tmp_path / "p.pdf"),
    )  # fmt: skip
    assert code == 2
    assert f"no funding project 'P-404' (known: {DEMO_PROJECT_ID})" in stderr
