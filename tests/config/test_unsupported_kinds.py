"""Sensor and notifier kinds the node does not run are refused, never ignored (issue 14).

Every kind the schema knows runs in this version; the refusal path stays for the next kind
whose adapter is still being written. Its tests take ``cot`` out of the runnable set.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

import pytest
import yaml

from kordon.app import build_node
from kordon.config import support
from kordon.config.errors import ConfigError
from kordon.config.loader import load_site
from kordon.config.models import SiteConfig
from kordon.config.support import SUPPORTED_KINDS, unsupported_in
from kordon.node_errors import NodeBuildError
from tests.config.sites import BASE_SITE

SENSORS = {
    "mavlink": "{kind: mavlink, id: uav-1, url: 'udpin:0.0.0.0:14550'}",
    "ground_sensor": "{kind: ground_sensor, id: ugs-1, lat: 51.6, lon: 23.7, radius_m: 30}",
    "radar_asterix": (
        "{kind: radar_asterix, id: radar-1, udp_port: 8600, sac: 1, sic: 2, lat: 51.6, lon: 23.7}"
    ),
}
NOTIFIERS = {
    "mqtt": "{kind: mqtt, id: broker, host: localhost}",
    "webhook": (
        "{kind: webhook, id: hook, url: 'https://example.org/hook', secret_env: HOOK_SECRET}"
    ),
    "cot": "{kind: cot, id: tak, url: 'tcp://tak.local:8087'}",
}


@pytest.fixture
def without_cot(monkeypatch: pytest.MonkeyPatch) -> None:
    """A version of Kordon that does not run ``cot`` notifiers."""
    notifiers = SUPPORTED_KINDS["notifiers"]
    table = MappingProxyType(
        {
            **SUPPORTED_KINDS,
            "notifiers": dataclasses.replace(notifiers, runs=notifiers.runs - {"cot"}),
        }
    )
    monkeypatch.setattr(support, "SUPPORTED_KINDS", table)


def test_this_version_runs_every_kind_the_schema_accepts() -> None:
    for section in SUPPORTED_KINDS.values():
        assert section.runs == set(section.known)
    assert support.unrun_models() == {}


def test_each_configured_kind_is_accepted(tmp_path: Path) -> None:
    text = (
        BASE_SITE
        + "sensors:\n"
        + "".join(f"  - {e}\n" for e in SENSORS.values())
        + "notifiers:\n"
        + "".join(f"  - {e}\n" for e in NOTIFIERS.values())
    )
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    config = load_site(path)
    assert [s.kind for s in config.sensors] == list(SENSORS)
    assert [n.kind for n in config.notifiers] == list(NOTIFIERS)
    assert unsupported_in(config) == []


FIRST_LINE = BASE_SITE.count("\n") + 2  # the entry, after the section's own line


def _load_issues(tmp_path: Path, text: str) -> list[tuple[str, int | None, int | None, str]]:
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_site(path)
    return [(i.path, i.line, i.column, i.message) for i in info.value.issues]


@pytest.mark.usefixtures("without_cot")
def test_a_kind_not_run_is_refused_with_its_line(tmp_path: Path) -> None:
    issues = _load_issues(tmp_path, BASE_SITE + "notifiers:\n  - " + NOTIFIERS["cot"] + "\n")
    assert [i[:3] for i in issues] == [("notifiers[0].kind", FIRST_LINE, 12)]
    assert issues[0][3].startswith(
        "notifier kind 'cot' is not supported by this version of Kordon yet; remove it"
    )


@pytest.mark.usefixtures("without_cot")
def test_every_entry_is_refused_and_a_schema_error_in_one_does_not_hide_it(
    tmp_path: Path,
) -> None:
    text = (
        BASE_SITE
        + "sensors:\n  - {kind: radar_asterix, id: radar-1}\n  - "
        + SENSORS["ground_sensor"]
        + "\nnotifiers:\n  - "
        + NOTIFIERS["cot"]
        + "\n  - {kind: cot, id: tak2}\n"
    )
    issues = _load_issues(tmp_path, text)
    paths = [i[:2] for i in issues]
    # the radar (it runs) only has its schema errors; both TAK entries are refused, the
    # second beside its own schema error
    assert ("sensors[0].udp_port", FIRST_LINE) in paths
    assert not any(p.startswith(("sensors[0].kind", "sensors[1]")) for p, _ in paths)
    assert ("notifiers[0].kind", FIRST_LINE + 3) in paths
    assert ("notifiers[1].kind", FIRST_LINE + 4) in paths
    assert ("notifiers[1].url", FIRST_LINE + 4) in paths


def test_a_kind_the_node_runs_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(BASE_SITE + "sensors:\n  - " + SENSORS["ground_sensor"] + "\n")
    config = load_site(path)
    assert [s.kind for s in config.sensors] == ["ground_sensor"]
    assert unsupported_in(config) == []


def test_an_unknown_kind_is_left_to_the_schema(tmp_path: Path) -> None:
    issues = _load_issues(tmp_path, BASE_SITE + "sensors:\n  - {kind: radr, id: r}\n")
    assert [(i[0], i[3]) for i in issues] == [
        (
            "sensors[0].kind",
            "unknown kind 'radr'; expected one of: ground_sensor, mavlink, radar_asterix",
        )
    ]


@pytest.mark.usefixtures("without_cot")
def test_the_node_refuses_to_build_with_a_kind_it_does_not_run(tmp_path: Path) -> None:
    data = yaml.safe_load(BASE_SITE + "notifiers:\n  - " + NOTIFIERS["cot"] + "\n")
    data["site"]["data_dir"] = str(tmp_path / "var")
    config = SiteConfig.model_validate(data).with_base_dir(tmp_path)
    assert [r.path for r in unsupported_in(config)] == [("notifiers", 0, "kind")]
    with pytest.raises(NodeBuildError, match=r"notifiers\[0\]\.kind: notifier kind 'cot'"):
        build_node(config)
    assert not (tmp_path / "var").exists()


@pytest.mark.usefixtures("without_cot")
def test_duplicate_ids_are_reported_beside_the_refusals(tmp_path: Path) -> None:
    entry = NOTIFIERS["cot"]
    issues = _load_issues(tmp_path, BASE_SITE + f"notifiers:\n  - {entry}\n  - {entry}\n")
    assert [(i[0], i[1]) for i in issues] == [
        ("notifiers[0].kind", FIRST_LINE),
        ("notifiers[1].kind", FIRST_LINE + 1),
        ("notifiers[1].id", FIRST_LINE + 1),
    ]
    assert issues[2][3] == "duplicate notifier id 'tak' (already used by notifiers[0])"
