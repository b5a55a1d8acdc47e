"""``kordon register``: import, list, export, labels, demo on a copy of the Volyn site."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from kordon.cli.main import app
from kordon.evidence.keys import Signer
from kordon.evidence.ledger import Ledger
from tests.register.conftest import audit_actions
from tests.support.demo_site import volyn_copy

runner = CliRunner()
ROWS = (
    "project,category,serial,model,vendor,unit_cost,currency,delivered_on\n"
    "P1,camera,CLI-CAM-1,PTZ,Optics,14500,EUR,2026-01-10\n"
    "P1,helmet,CLI-H-1,Helmet,Protect,450,EUR,2026-01-10\n"
)


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_register_commands(tmp_path: Path) -> None:
    site = str(volyn_copy(tmp_path))
    _ok(
        "register",
        "project",
        site,
        "--id",
        "P1",
        "--name",
        "Cameras",
        "--donor",
        "Donor A",
        "--programme",
        "Border",
        "--agreement",
        "AG-1",
        "--amount",
        "1000000",
        "--currency",
        "eur",
        "--start",
        "2026-01-01",
        "--end",
        "2027-12-31",
    )
    good = tmp_path / "good.csv"
    good.write_text(ROWS)
    assert "imported 2 asset(s) from good.csv" in _ok("register", "import", site, str(good))
    bad = tmp_path / "bad.csv"
    bad.write_text(ROWS.replace("CLI-CAM-1", "CLI-CAM-2").replace(",450,", ",-450,"))
    refused = runner.invoke(app, ["register", "import", site, str(bad)])
    assert refused.exit_code == 1
    assert "bad.csv:3 [unit_cost]: negative amount -450" in refused.output
    assert "nothing written" in refused.output
    listed = _ok("register", "list", site, "--category", "camera")
    assert "CLI-CAM-1" in listed
    assert "1 of 1 asset(s)" in listed
    out = tmp_path / "out.xlsx"
    _ok("register", "export", site, str(out), "--project", "P1")
    workbook = openpyxl.load_workbook(out, read_only=True)
    serials = [r[2] for r in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]
    workbook.close()
    assert serials == ["CLI-CAM-1", "CLI-H-1"]
    labels = tmp_path / "labels.html"
    _ok("register", "labels", site, str(labels))
    assert labels.read_text().count("<svg") == 2
    assert "seeded the demo register" in _ok("register", "demo", site)
    assert "nothing changed" in _ok("register", "demo", site)
    assert "[DEMO DATA]" in _ok("register", "summary", site)
    unknown = runner.invoke(app, ["register", "list", site, "--category", "tank"])
    assert unknown.exit_code == 2
    data = tmp_path / "data"
    ledger_dir = next(p for p in data.rglob("ledger") if p.is_dir())
    with Ledger(ledger_dir, Signer.load_or_create(ledger_dir.parent)) as ledger:
        actions = audit_actions(ledger)
    assert actions.count("register.assets.import") == 2  # the good file and the demo
    assert "register.project.create" in actions
