"""The ``kordon config`` commands as an operator runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from kordon.cli import app
from kordon.config.docs import render_configuration_markdown
from tests.config.sites import BASE_SITE, edited

runner = CliRunner()


def test_example_site_passes(repo_root: Path) -> None:
    result = runner.invoke(app, ["config", "check", str(repo_root / "examples/volyn/site.yaml")])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_typo_and_bad_latitude_reported_together_with_lines(
    repo_root: Path, tmp_path: Path
) -> None:
    example = repo_root / "examples/volyn"
    text = (example / "site.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    tz_line = next(i for i, line in enumerate(lines) if line.strip().startswith("timezone:")) + 1
    origin_line = next(i for i, line in enumerate(lines) if line.strip().startswith("origin:")) + 1
    bad = re.sub(r"^(\s*)timezone:", r"\1timezon:", text, count=1, flags=re.M)
    bad = re.sub(r"origin: \{lat: [0-9.]+", "origin: {lat: 151.5", bad, count=1)
    for geojson in example.glob("*.geojson"):
        (tmp_path / geojson.name).write_bytes(geojson.read_bytes())
    site = tmp_path / "site.yaml"
    site.write_text(bad, encoding="utf-8")

    result = runner.invoke(app, ["config", "check", str(site)])

    assert result.exit_code == 2
    out = result.output
    assert re.search(
        rf"site\.yaml:{tz_line}:\d+: site\.timezon: unknown field; did you mean 'timezone'", out
    ), out
    assert re.search(rf"site\.yaml:{origin_line}:\d+: site\.origin\.lat: .*90", out), out


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["config", "check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "nope.yaml" in result.output


def test_schema_command_writes_json_schema(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    result = runner.invoke(app, ["config", "schema", "--out", str(out)])
    assert result.exit_code == 0, result.output
    schema = json.loads(out.read_text(encoding="utf-8"))
    assert schema["title"] == "Kordon site configuration"
    assert "cameras" in schema["properties"]


def test_configuration_reference_in_docs_is_current(repo_root: Path) -> None:
    """docs/configuration.md is generated; regenerate with `make docs` after model changes."""
    committed = (repo_root / "docs/configuration.md").read_text(encoding="utf-8")
    assert committed == render_configuration_markdown(), "run `make docs` and commit the result"


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.output.startswith("kordon ")


def test_schema_semantic_and_reference_errors_in_one_run(tmp_path: Path) -> None:
    """One error of each kind: all three printed with file:line:column and field, exit 2."""
    text = (
        edited("Europe/Kyiv", "Mars/Olympus")
        .replace("home_side: UA", "home_side: PL")
        .replace("sector: s1", "sector: s9")
    )
    site = tmp_path / "site.yaml"
    site.write_text(text, encoding="utf-8")

    result = runner.invoke(app, ["config", "check", str(site)])

    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith(str(site))]
    assert lines == [
        f"{site}:6:13: site.timezone: unknown time zone 'Mars/Olympus': use an IANA name "
        "such as 'Europe/Kyiv' or 'UTC'",
        f"{site}:12:16: borders[0].home_side: 'PL' is not one of the side codes 'BY' (left) "
        "or 'UA' (right)",
        f"{site}:28:13: cameras[0].sector: unknown sector 's9'; known sectors: 's1'",
    ]


def test_a_configured_cot_notifier_is_checked_and_accepted(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    good = "{kind: cot, id: tak, url: 'tcp://tak.local:8087'}"
    site.write_text(BASE_SITE + f"notifiers:\n  - {good}\n", encoding="utf-8")
    assert runner.invoke(app, ["config", "check", str(site)]).exit_code == 0

    bad = "{kind: cot, id: tak, url: 'tcp://tak.local:8087', client_cert_file: c.pem}"
    site.write_text(BASE_SITE + f"notifiers:\n  - {bad}\n", encoding="utf-8")
    result = runner.invoke(app, ["config", "check", str(site)])
    assert result.exit_code == 2
    assert "TLS files need a tls:// url" in result.output, result.output
