"""Every kind of bad input gives a specific message, field path and line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from kordon.config.errors import ConfigError, ConfigIssue
from kordon.config.loader import load_site
from tests.config.sites import BASE_SITE, edited


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    path: str
    line: int
    message: str


def _write(tmp_path: Path, text: str, name: str = "site.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _issues(path: Path) -> tuple[ConfigIssue, ...]:
    with pytest.raises(ConfigError) as info:
        load_site(path)
    return info.value.issues


EXTRA_CAMERA = "  - {id: cam-1, name: C2, sector: s1, source: {kind: simulator, scenario: demo}}\n"

CASES = [
    Case(
        "incident sla out of bounds",
        BASE_SITE + "incidents:\n  correlation_window_s: 120\n  sla: {p1_s: -5}\n",
        "incidents.sla.p1_s",
        BASE_SITE.count("\n") + 3,
        "greater than 0",
    ),
    Case(
        "malformed yaml", edited("  name: Test site", "  name: [Test site"), "", 5, "invalid YAML"
    ),
    Case(
        "wrong type",
        edited("from_km: 0", "from_km: zero"),
        "sectors[0].from_km",
        18,
        "Input should be a valid number",
    ),
    Case(
        "unknown key",
        edited("    unit: Unit 1", "    unti: Unit 1"),
        "sectors[0].unti",
        16,
        "unknown field; did you mean 'unit'?",
    ),
    Case(
        "missing required",
        edited("    name: Camera 1\n", ""),
        "cameras[0].name",
        26,
        "required field is missing",
    ),
    Case(
        "missing geojson",
        edited(
            "coordinates: [[23.60, 51.50], [23.70, 51.60], [23.80, 51.60]]",
            "geometry_file: missing.geojson",
        ),
        "borders[0].geometry_file",
        10,
        "file not found",
    ),
    Case(
        "lat out of range",
        edited("[[23.60, 51.50], [23.70", "[[23.60, 51.50], [23.70, 95.0], [23.70"),
        "borders[0].coordinates[1]",
        10,
        "latitude 95.0 is outside [-90, 90]",
    ),
    Case(
        "origin lat",
        edited("lat: 51.6, lon: 23.7", "lat: 151.6, lon: 23.7"),
        "site.origin.lat",
        5,
        "less than or equal to 90",
    ),
    Case(
        "self-intersecting zone",
        edited(
            "[[23.70, 51.55], [23.72, 51.55], [23.72, 51.57], [23.70, 51.57]]",
            "[[23.70, 51.55], [23.72, 51.57], [23.72, 51.55], [23.70, 51.57]]",
        ),
        "zones[0].polygon",
        24,
        "polygon edges cross each other near lon 23.71",
    ),
    Case(
        "self-intersecting pixel polygon",
        edited("[[0, 0], [100, 0], [100, 100]]", "[[0, 0], [100, 100], [100, 0], [0, 100]]"),
        "cameras[0].rules[1].polygon",
        32,
        "near pixel (50.0, 50.0)",
    ),
    Case(
        "sector beyond border",
        edited("to_km: 5", "to_km: 500"),
        "sectors[0].to_km",
        19,
        "beyond the end of border 'b1'",
    ),
    Case(
        "polygon sector far from border",
        edited(
            "    border: b1\n    from_km: 0\n    to_km: 5\n",
            "    polygon: [[25.0, 50.0], [25.1, 50.0], [25.1, 50.1]]\n",
        ),
        "sectors[0].polygon",
        17,
        "not near any border",
    ),
    Case(
        "duplicate rule id",
        edited("id: r2", "id: l1"),
        "cameras[0].rules[1].id",
        32,
        "duplicate rule id 'l1' (already used by rules[0])",
    ),
    Case(
        "duplicate camera id",
        BASE_SITE + EXTRA_CAMERA,
        "cameras[1].id",
        33,
        "duplicate camera id 'cam-1'",
    ),
    Case(
        "duplicate zone id",
        edited(
            "zones:\n",
            "zones:\n  - {id: z1, name: Z, kind: other, "
            "buffer: {border: b1, width_m: 100, side: home}}\n",
        ),
        "zones[1].id",
        22,
        "duplicate zone id 'z1'",
    ),
    Case(
        "unknown camera sector",
        edited("sector: s1", "sector: s9"),
        "cameras[0].sector",
        28,
        "unknown sector 's9'; known sectors: 's1'",
    ),
    Case(
        "unknown buffer border",
        edited(
            "    polygon: [[23.70, 51.55], [23.72, 51.55], [23.72, 51.57], [23.70, 51.57]]",
            "    buffer: {border: b9, width_m: 500, side: home}",
        ),
        "zones[0].buffer.border",
        24,
        "unknown border 'b9'",
    ),
    Case(
        "home side",
        edited("home_side: UA", "home_side: PL"),
        "borders[0].home_side",
        12,
        "'PL' is not one of the side codes 'BY' (left) or 'UA' (right)",
    ),
    Case("empty file", "", "", 1, "file is empty"),
    Case("only comments", "# nothing here\n", "", 1, "file is empty"),
    Case("top level list", "- version\n- site\n", "", 1, "top level must be a mapping"),
    Case(
        "unknown kind",
        edited("kind: stream", "kind: strem"),
        "cameras[0].source.kind",
        29,
        "unknown kind 'strem'; did you mean 'stream'?",
    ),
    Case(
        "bad literal",
        edited("transport: tcp", "transport: tpc"),
        "cameras[0].source.transport",
        29,
        "'tpc' is not allowed; did you mean 'tcp'?",
    ),
    Case(
        "stream scheme",
        edited("rtsp://10.0.0.1", "ftp://10.0.0.1"),
        "cameras[0].source.url",
        29,
        "stream url must start with one of rtsp://",
    ),
    Case(
        "timezone",
        edited("Europe/Kyiv", "Mars/Olympus"),
        "site.timezone",
        6,
        "unknown time zone 'Mars/Olympus'",
    ),
    Case(
        "duplicate yaml key",
        edited("  name: Test site\n", "  name: Test site\n  id: again\n"),
        "site.id",
        5,
        "duplicate key 'id' (first given at line 3)",
    ),
    Case("version", edited("version: 1", "version: 2"), "version", 1, "Input should be 1"),
    Case(
        "both geometries",
        edited("    sides:", "    geometry_file: x.geojson\n    sides:"),
        "borders[0]",
        8,
        "give exactly one of 'geometry_file' or 'coordinates'",
    ),
    Case(
        "dwell without time",
        edited(
            "[[0, 0], [100, 0], [100, 100]]}", "[[0, 0], [100, 0], [100, 100]], events: [dwell]}"
        ),
        "cameras[0].rules[1]",
        32,
        "'dwell_s' is required",
    ),
]


def test_base_site_is_valid(tmp_path: Path) -> None:
    config = load_site(_write(tmp_path, BASE_SITE))
    assert config.sectors[0].to_km == 5


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    path = _write(tmp_path, case.text)
    issues = _issues(path)
    matching = [i for i in issues if i.path == case.path and case.message in i.message]
    assert matching, "\n".join(i.format() for i in issues)
    assert matching[0].line == case.line
    assert matching[0].file == str(path)


GEOJSON_CASES = [
    ("not json", "{oops", "not valid JSON"),
    (
        "point",
        json.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [23.6, 51.5]}}),
        "expected a LineString or MultiLineString",
    ),
    (
        "one point",
        json.dumps({"type": "LineString", "coordinates": [[23.6, 51.5]]}),
        "LineString has 1 point(s), needs at least 2",
    ),
    (
        "bad lat",
        json.dumps(
            {"type": "LineString", "coordinates": [[23.6, 51.5], [23.7, 51.6], [23.8, -91.0]]}
        ),
        "coordinate 2 has latitude -91.0 outside [-90, 90]",
    ),
    (
        "disjoint multi",
        json.dumps(
            {
                "type": "MultiLineString",
                "coordinates": [[[23.6, 51.5], [23.7, 51.6]], [[23.9, 51.5], [24.0, 51.6]]],
            }
        ),
        "do not join into one line",
    ),
    (
        "two features",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "geometry": None},
                    {"type": "Feature", "geometry": None},
                ],
            }
        ),
        "exactly one border feature, has 2",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "message"), GEOJSON_CASES, ids=[c[0] for c in GEOJSON_CASES]
)
def test_bad_geojson(name: str, content: str, message: str, tmp_path: Path) -> None:
    _write(tmp_path, content, "line.geojson")
    text = edited(
        "coordinates: [[23.60, 51.50], [23.70, 51.60], [23.80, 51.60]]",
        "geometry_file: line.geojson",
    )
    issues = _issues(_write(tmp_path, text))
    assert [(i.path, i.line) for i in issues] == [("borders[0].geometry_file", 10)]
    assert message in issues[0].message
    assert "line.geojson" in issues[0].message


def test_unreadable_site_file(tmp_path: Path) -> None:
    issues = _issues(tmp_path / "nope.yaml")
    assert [(i.line, i.message) for i in issues] == [(None, "site file not found")]
    issues = _issues(_write(tmp_path, "", "bin.yaml").parent)
    assert "is a directory" in issues[0].message


def test_typo_and_bad_latitude_in_example_reported_together(
    repo_root: Path, tmp_path: Path
) -> None:
    example = repo_root / "examples" / "volyn"
    (tmp_path / "border_ua_by_volyn.geojson").write_bytes(
        (example / "border_ua_by_volyn.geojson").read_bytes()
    )
    lines = (example / "site.yaml").read_text(encoding="utf-8").splitlines()
    typo_line = lines.index("    recording:") + 1
    lat_line = next(i for i, line in enumerate(lines) if line.startswith("      lat: ")) + 1
    lines[typo_line - 1] = "    recordng:"
    lines[lat_line - 1] = "      lat: 151.5"
    path = _write(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(ConfigError) as info:
        load_site(path)
    issues = info.value.issues
    assert [(i.path, i.line, i.column) for i in issues] == [
        ("cameras[0].georeference.lat", lat_line, 12),
        ("cameras[0].recordng", typo_line, 5),
    ]
    assert issues[1].message == "unknown field; did you mean 'recording'?"
    text = str(info.value)
    assert text.splitlines()[0] == "2 problems in site configuration:"
    assert (
        f"{path}:{typo_line}:5: cameras[0].recordng: unknown field; did you mean 'recording'?"
        in (text)
    )


def test_semantic_checks_still_run_when_another_item_is_invalid(tmp_path: Path) -> None:
    text = edited("home_side: UA", "home_side: PL") + EXTRA_CAMERA.replace(
        "cam-1", "cam-2"
    ).replace("scenario: demo", "scenario: demo, sed: 1")
    issues = _issues(_write(tmp_path, text))
    assert [(i.path, i.line) for i in issues] == [
        ("borders[0].home_side", 12),
        ("cameras[1].source.sed", 33),
    ]


def test_unknown_key_without_close_match_lists_fields(tmp_path: Path) -> None:
    issues = _issues(_write(tmp_path, edited("  timezone:", "  xyzzy: 1\n  timezone:")))
    assert issues[0].path == "site.xyzzy"
    assert issues[0].message.startswith("unknown field; expected one of: data_dir, demo, id, name")


def test_nothing_written_during_load(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE_SITE)
    before = sorted(p.name for p in tmp_path.iterdir())
    config = load_site(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not config.data_path().exists()
