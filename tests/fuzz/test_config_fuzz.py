"""Fuzz the site-file loader and the border GeoJSON reader: whatever the input, the only
exception is the documented one (``ConfigError`` / ``GeoJsonError``), never a crash."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from kordon.config.border_geometry import read_line_geojson
from kordon.config.errors import ConfigError, GeoJsonError
from kordon.config.loader import load_site, parse_site
from kordon.config.site import SiteConfig
from tests.config.sites import BASE_SITE
from tests.conftest import REPO_ROOT
from tests.fuzz.mutate import FUZZ, FUZZ_SLOW, Edit, apply_edits, edits, json_values, outcome

VOLYN = REPO_ROOT / "examples" / "volyn"
VOLYN_SITE = (VOLYN / "site.yaml").read_text(encoding="utf-8")
VOLYN_LINE = (VOLYN / "border_ua_by_volyn.geojson").read_text(encoding="utf-8")
SEEDS = {"base": BASE_SITE, "volyn": VOLYN_SITE}


def _check_site(text: str) -> SiteConfig | None:
    """Parse; a ``ConfigError`` is a fine answer, anything else escapes and fails."""
    got = outcome(ConfigError, lambda: parse_site(text, display="fuzz.yaml", base_dir=VOLYN))
    if isinstance(got, ConfigError):
        assert got.issues
        assert all(issue.message for issue in got.issues)
        return None
    assert isinstance(got, SiteConfig)
    return got


def test_the_seeds_are_valid() -> None:
    for name, text in SEEDS.items():
        assert _check_site(text) is not None, name


@FUZZ
@given(st.text(max_size=400))
@example("a: 9" + "9" * 5000)  # an integer beyond Python's digit limit
@example("[" * 2000)  # nesting beyond the recursion limit
@example("a: &x [*x]")  # a recursive alias
@example("a: !!python/object:os.system ls")  # a tag the safe loader refuses
def test_random_text_gives_only_config_errors(text: str) -> None:
    _check_site(text)


@FUZZ
@given(st.sampled_from(sorted(SEEDS)), edits())
def test_mutated_site_files_give_only_config_errors(seed: str, script: list[Edit]) -> None:
    _check_site(apply_edits(SEEDS[seed], script))


def _paths(value: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _paths(child, (*prefix, index))
    return out


def _replace(doc: object, path: tuple[object, ...], value: object) -> object:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(doc, dict):
        return {k: _replace(v, rest, value) if k == head else v for k, v in doc.items()}
    if isinstance(doc, list):
        return [_replace(v, rest, value) if i == head else v for i, v in enumerate(doc)]
    return doc


@FUZZ_SLOW
@given(st.sampled_from(sorted(SEEDS)), st.data(), json_values())
def test_a_random_value_anywhere_in_a_valid_site_gives_only_config_errors(
    seed: str, data: st.DataObject, value: object
) -> None:
    doc = yaml.safe_load(SEEDS[seed])
    path = data.draw(st.sampled_from(_paths(doc)), label="path")
    text = yaml.safe_dump(_replace(doc, path, value), allow_unicode=True)
    _check_site(text)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_as_a_site_file_give_only_config_errors(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "site.yaml"
        path.write_bytes(data)
        got = outcome(ConfigError, lambda: load_site(path))
        assert isinstance(got, ConfigError | SiteConfig)


def _check_geojson(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "line.geojson"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        line = outcome(GeoJsonError, lambda: read_line_geojson(path))
    if isinstance(line, GeoJsonError):
        assert str(line)
        return
    assert line.ndim == 2
    assert line.shape[1] == 2
    assert line.shape[0] >= 2


def test_the_geojson_seed_is_valid() -> None:
    _check_geojson(VOLYN_LINE)


@FUZZ
@given(edits())
@example([(1, 0.5, 0.0, "[" * 3000)])
@example([(2, 0.6, 0.1, "1" * 500)])  # a coordinate beyond float range
def test_mutated_geojson_gives_only_geojson_errors(script: list[Edit]) -> None:
    _check_geojson(apply_edits(VOLYN_LINE, script))


@FUZZ
@given(json_values())
def test_random_json_documents_give_only_geojson_errors(value: object) -> None:
    _check_geojson(json.dumps(value))


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "LineString", "coordinates": [[1e400, 2.0], [3.0, 4.0]]},
        {"type": "LineString", "coordinates": [[10**400, 2], [3, 4]]},
        {"type": "MultiLineString", "coordinates": [[[1, 2], [3, 4]], [[30, 40], [50, 60]]]},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}},
    ],
)
def test_geojson_edge_cases_are_geojson_errors(geometry: object) -> None:
    text = json.dumps(geometry).replace("Infinity", "1e400")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "line.geojson"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(GeoJsonError):
            read_line_geojson(path)
