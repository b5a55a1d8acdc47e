"""Schema, semantic and reference errors of one file come in one pass (issue 11, item 8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kordon.config.errors import ConfigError, ConfigIssue
from kordon.config.loader import load_site
from tests.config.sites import BASE_SITE, edited

CROSSED_ZONE = "[[23.70, 51.55], [23.72, 51.57], [23.72, 51.55], [23.70, 51.57]]"
ZONE = "[[23.70, 51.55], [23.72, 51.55], [23.72, 51.57], [23.70, 51.57]]"


def _issues(tmp_path: Path, text: str) -> list[tuple[str, int | None, int | None, str]]:
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_site(path)
    assert all(i.file == str(path) for i in info.value.issues)
    return [(i.path, i.line, i.column, i.message) for i in info.value.issues]


def _one_of_each_kind() -> str:
    """A schema error (site section), a semantic error and a reference error."""
    text = edited("Europe/Kyiv", "Mars/Olympus")
    text = text.replace(ZONE, CROSSED_ZONE)
    return text.replace("sector: s1", "sector: s9")


def test_schema_semantic_and_reference_errors_reported_together(tmp_path: Path) -> None:
    issues = _issues(tmp_path, _one_of_each_kind())
    assert [i[:3] for i in issues] == [
        ("site.timezone", 6, 13),
        ("zones[0].polygon", 24, 14),
        ("cameras[0].sector", 28, 13),
    ]
    assert issues[0][3].startswith("unknown time zone 'Mars/Olympus'")
    assert issues[1][3].startswith("polygon edges cross each other")
    assert issues[2][3] == "unknown sector 's9'; known sectors: 's1'"


def test_invalid_origin_still_checks_references(tmp_path: Path) -> None:
    text = edited("lat: 51.6, lon: 23.7", "lat: 151.6, lon: 23.7").replace(
        "sector: s1", "sector: s9"
    )
    issues = _issues(tmp_path, text)
    assert [i[:2] for i in issues] == [("site.origin.lat", 5), ("cameras[0].sector", 28)]


def test_invalid_storage_section_still_checks_the_rest(tmp_path: Path) -> None:
    text = edited("home_side: UA", "home_side: PL") + "storage:\n  retention: {dayz: 3}\n"
    issues = _issues(tmp_path, text)
    assert [i[:2] for i in issues] == [
        ("borders[0].home_side", 12),
        ("storage.retention.dayz", BASE_SITE.count("\n") + 2),
    ]


def test_reference_into_a_section_with_an_invalid_item_is_not_guessed(tmp_path: Path) -> None:
    """The sector a camera names may be the one that failed: no 'unknown sector' noise."""
    issues = _issues(tmp_path, edited("from_km: 0", "from_km: zero"))
    assert [i[:2] for i in issues] == [("sectors[0].from_km", 18)]


def test_a_section_of_the_wrong_type_leaves_the_others_checked(tmp_path: Path) -> None:
    text = edited("home_side: UA", "home_side: PL").replace(
        "zones:\n  - id: z1\n    name: Zone 1\n    kind: restricted\n    polygon: " + ZONE + "\n",
        "zones: nothing\n",
    )
    issues = _issues(tmp_path, text)
    assert [i[:2] for i in issues] == [("borders[0].home_side", 12), ("zones", 20)]


def test_issue_format_names_file_line_column_and_field(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(_one_of_each_kind(), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_site(path)
    lines = str(info.value).splitlines()
    assert lines[0] == "3 problems in site configuration:"
    assert lines[3] == f"{path}:28:13: cameras[0].sector: unknown sector 's9'; known sectors: 's1'"
    assert isinstance(info.value.issues[0], ConfigIssue)
