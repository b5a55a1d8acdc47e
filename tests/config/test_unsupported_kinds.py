"""Sensor and notifier kinds the node does not run are refused, never ignored (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kordon.app import build_node
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
ENTRIES = [
    e
    for e in [("sensors", "sensor", k, v) for k, v in SENSORS.items()]
    + [("notifiers", "notifier", k, v) for k, v in NOTIFIERS.items()]
    if e[2] not in SUPPORTED_KINDS[e[0]].runs
]
FIRST_LINE = BASE_SITE.count("\n") + 2  # the entry, after the section's own line


def _load_issues(tmp_path: Path, text: str) -> list[tuple[str, int | None, int | None, str]]:
    path = tmp_path / "site.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_site(path)
    return [(i.path, i.line, i.column, i.message) for i in info.value.issues]


def test_the_tables_above_cover_every_kind_the_schema_accepts() -> None:
    assert SUPPORTED_KINDS["sensors"].known == tuple(SENSORS)
    assert SUPPORTED_KINDS["notifiers"].known == tuple(NOTIFIERS)
    for section in SUPPORTED_KINDS.values():
        assert section.runs <= set(section.known)


@pytest.mark.parametrize(("section", "what", "kind", "entry"), ENTRIES, ids=[e[2] for e in ENTRIES])
def test_each_configured_kind_is_refused_with_its_line(
    section: str, what: str, kind: str, entry: str, tmp_path: Path
) -> None:
    issues = _load_issues(tmp_path, BASE_SITE + f"{section}:\n  - {entry}\n")
    assert [i[:3] for i in issues] == [(f"{section}[0].kind", FIRST_LINE, 12)]
    assert issues[0][3].startswith(
        f"{what} kind {kind!r} is not supported by this version of Kordon yet; remove it"
    )


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


def test_the_node_refuses_to_build_with_a_kind_it_does_not_run(tmp_path: Path) -> None:
    data = yaml.safe_load(BASE_SITE + "notifiers:\n  - " + NOTIFIERS["cot"] + "\n")
    data["site"]["data_dir"] = str(tmp_path / "var")
    config = SiteConfig.model_validate(data).with_base_dir(tmp_path)
    assert [r.path for r in unsupported_in(config)] == [("notifiers", 0, "kind")]
    with pytest.raises(NodeBuildError, match=r"notifiers\[0\]\.kind: notifier kind 'cot'"):
        build_node(config)
    assert not (tmp_path / "var").exists()


def test_duplicate_ids_are_reported_beside_the_refusals(tmp_path: Path) -> None:
    entry = NOTIFIERS["cot"]
    issues = _load_issues(tmp_path, BASE_SITE + f"notifiers:\n  - {entry}\n  - {entry}\n")
    assert [(i[0], i[1]) for i in issues] == [
        ("notifiers[0].kind", FIRST_LINE),
        ("notifiers[1].kind", FIRST_LINE + 1),
        ("notifiers[1].id", FIRST_LINE + 1),
    ]
    assert issues[2][3] == "duplicate notifier id 'tak' (already used by notifiers[0])"
