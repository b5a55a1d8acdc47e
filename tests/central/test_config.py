"""The central file: what it accepts, and every refusal with its place in the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kordon.central.config import CentralConfig, load_central, parse_central
from kordon.config.errors import ConfigError
from tests.central.support import central_document

PG = "postgresql+psycopg://kordon@db:5432/kordon"


def _doc(**changes: Any) -> dict[str, Any]:
    document = central_document(
        database_url=PG,
        site=Path("site.yaml"),
        topic_root="kordon/edge",
        edges=[{"id": "edge-a", "name": "Outpost A"}, {"id": "edge-r", "revoked": True}],
    )
    document.update(changes)
    return document


def _parse(document: dict[str, Any]) -> CentralConfig:
    return parse_central(yaml.safe_dump(document), display="central.yaml", base_dir=Path("/c"))


def test_a_valid_file_is_read_with_paths_against_its_directory() -> None:
    config = _parse(_doc())
    assert config.allowed_edges == {"edge-a"}
    assert config.revoked_edges == {"edge-r"}
    assert config.resolve(config.site) == Path("/c/site.yaml")
    assert config.brokers[0].port == 1883
    assert config.link.max_clock_ahead_s == 300.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"database_url": "sqlite:///central.db"}, "needs PostgreSQL, got 'sqlite'"),
        ({"database_url": "::not a url::"}, "not a database URL"),
        ({"brokers": []}, "at least 1 item"),
        ({"edges": [{"id": "edge-a"}, {"id": "edge-a"}]}, "edge id(s) listed twice: edge-a"),
        ({"edges": [{"id": "Edge/A"}]}, "should match pattern"),
        ({"edges": [{"id": "edge-a", "secret": "x"}]}, "Extra inputs are not permitted"),
        ({"link": {"max_clock_ahead_s": 0}}, "greater than 0"),
    ],
)
def test_refusals_name_the_problem(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _parse(_doc(**changes))
    assert message in str(caught.value)


def test_a_password_file_needs_a_user_and_errors_carry_lines(tmp_path: Path) -> None:
    document = _doc()
    document["brokers"][0]["password_file"] = "central.password"
    path = tmp_path / "central.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_central(path)
    [issue] = caught.value.issues
    assert issue.path == "brokers.0"
    assert "password_file needs a username" in issue.message
    assert issue.line is not None


def test_a_missing_file_is_one_clear_issue(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"central\.yaml"):
        load_central(tmp_path / "central.yaml")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_config_or_a_config_error(text: str) -> None:
    problems: tuple[object, ...] = ()
    try:
        config = parse_central(text, display="c.yaml", base_dir=Path("/c"))
    except ConfigError as exc:
        problems = exc.issues
    else:
        assert isinstance(config, CentralConfig)
        return
    assert problems
