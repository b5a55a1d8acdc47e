"""The ``edge:`` section of a site file: an outpost of a central server (issue 15)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kordon.central.config import BrokerTls as CentralBrokerTls
from kordon.central.config import EdgeId as CentralEdgeId
from kordon.central.edge_link import EdgeLinkConfig as CentralEdgeLinkConfig
from kordon.config.edge import DEFAULT_TOPIC_ROOT, BrokerTls, EdgeId, EdgeLinkConfig
from kordon.config.errors import ConfigError, ConfigIssue
from kordon.config.loader import parse_site
from kordon.link.topics import DEFAULT_ROOT
from tests.config.sites import BASE_SITE

FIRST_EDGE_LINE = BASE_SITE.count("\n") + 1
"""The line of ``edge:`` in a site built by :func:`site_with`."""


def site_with(edge: str) -> str:
    return BASE_SITE + "edge:\n" + edge


def issues_of(text: str, base_dir: Path) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as caught:
        parse_site(text, display="outpost.yaml", base_dir=base_dir)
    return list(caught.value.issues)


def test_a_site_with_an_edge_section_validates(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "edge-a.password").write_text("s3cret\n", encoding="utf-8")
    (tmp_path / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    config = parse_site(
        site_with(
            "  id: edge-a\n"
            "  host: mqtt.central.example\n"
            "  port: 8883\n"
            "  password_file: secrets/edge-a.password\n"
            "  tls: {ca_file: ca.crt}\n"
            "  batch_entries: 50\n"
        ),
        display="outpost.yaml",
        base_dir=tmp_path,
    )
    edge = config.edge
    assert edge is not None
    assert (edge.id, edge.host, edge.port, edge.batch_entries) == (
        "edge-a",
        "mqtt.central.example",
        8883,
        50,
    )
    assert edge.topic_root == "kordon/edge"
    assert config.resolve_path(edge.password_file or Path()) == (
        tmp_path.resolve() / "secrets" / "edge-a.password"
    )


def test_a_site_without_an_edge_section_is_a_standalone_node(tmp_path: Path) -> None:
    assert parse_site(BASE_SITE, display="site.yaml", base_dir=tmp_path).edge is None


def test_the_models_are_shared_with_the_central_server() -> None:
    assert CentralEdgeLinkConfig is EdgeLinkConfig
    assert CentralBrokerTls is BrokerTls
    assert CentralEdgeId is EdgeId
    assert DEFAULT_TOPIC_ROOT == DEFAULT_ROOT


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("mqtt://central.example:1883", "is a URL: give the broker's host alone"),
        ("mqtts://central.example", "(mqtts:// is not read)"),
        ("central.example:8883", "put the port in 'port'"),
        ("user@central.example", "is not a host name or IP address"),
        ("central example", "is not a host name or IP address"),
        ("central.example/path", "is not a host name or IP address"),
        ("", "at least 1 character"),
    ],
)
def test_a_bad_broker_address_names_the_file_line_and_field(
    tmp_path: Path, host: str, expected: str
) -> None:
    text = site_with(f"  id: edge-a\n  host: {host!r}\n  anonymous: true\n")
    [issue] = issues_of(text, tmp_path)
    assert (issue.file, issue.line, issue.path) == (
        "outpost.yaml",
        FIRST_EDGE_LINE + 2,
        "edge.host",
    )
    assert expected in issue.message
    assert issue.format().startswith(f"outpost.yaml:{FIRST_EDGE_LINE + 2}:")


def test_missing_credentials_are_refused_at_the_section(tmp_path: Path) -> None:
    [issue] = issues_of(site_with("  id: edge-a\n  host: central\n"), tmp_path)
    assert (issue.line, issue.path) == (FIRST_EDGE_LINE + 1, "edge")
    assert "no credentials for the central broker: set password_file" in issue.message
    assert "anonymous: true" in issue.message


def test_a_missing_password_file_is_reported_with_its_line(tmp_path: Path) -> None:
    text = site_with("  id: edge-a\n  host: central\n  password_file: nowhere/edge-a.password\n")
    [issue] = issues_of(text, tmp_path)
    assert (issue.line, issue.path) == (FIRST_EDGE_LINE + 3, "edge.password_file")
    expected = tmp_path.resolve() / "nowhere" / "edge-a.password"
    assert issue.message == f"password file not found ({expected})"


def test_an_empty_password_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.password").write_text("\n  \n", encoding="utf-8")
    text = site_with("  id: edge-a\n  host: central\n  password_file: empty.password\n")
    [issue] = issues_of(text, tmp_path)
    assert (issue.line, issue.path) == (FIRST_EDGE_LINE + 3, "edge.password_file")
    assert "holds no password (its first line is empty)" in issue.message


def test_missing_tls_files_and_an_unpaired_certificate_are_refused(tmp_path: Path) -> None:
    (tmp_path / "edge.password").write_text("pw\n", encoding="utf-8")
    text = site_with(
        "  id: edge-a\n  host: central\n  password_file: edge.password\n"
        "  tls: {ca_file: ca.crt, cert_file: edge.crt}\n"
    )
    [issue] = issues_of(text, tmp_path)
    assert (issue.line, issue.path) == (FIRST_EDGE_LINE + 4, "edge.tls")
    assert "cert_file and key_file go together" in issue.message
    text = site_with(
        "  id: edge-a\n  host: central\n  password_file: edge.password\n  tls: {ca_file: ca.crt}\n"
    )
    [issue] = issues_of(text, tmp_path)
    assert (issue.line, issue.path) == (FIRST_EDGE_LINE + 4, "edge.tls.ca_file")
    assert "ca.crt" in issue.message


def test_edge_file_problems_are_reported_beside_other_errors(tmp_path: Path) -> None:
    text = site_with("  id: edge-a\n  host: central\n  password_file: gone.password\n").replace(
        "name: Camera 1", "name: Camera 1\n    colour: red"
    )
    paths = {issue.path for issue in issues_of(text, tmp_path)}
    assert paths == {"cameras[0].colour", "edge.password_file"}


_ANON = "  id: e\n  host: c\n  anonymous: true\n"


@pytest.mark.parametrize(
    ("edge", "line", "path", "expected"),
    [
        (_ANON.replace("id: e", "id: Edge A"), 1, "edge.id", "should match pattern"),
        (_ANON + "  port: 0\n", 4, "edge.port", "greater than"),
        (_ANON + "  topic_root: a/+/b\n", 4, "edge.topic_root", "no wildcards"),
        (_ANON + "  hostname: c\n", 4, "edge.hostname", "did you mean 'host'"),
        (_ANON + "  password_file: p\n", 1, "edge", "exclude each other"),
    ],
)
def test_bad_values_in_the_section(
    tmp_path: Path, edge: str, line: int, path: str, expected: str
) -> None:
    (tmp_path / "p").write_text("pw\n", encoding="utf-8")
    [issue] = issues_of(site_with(edge), tmp_path)
    assert (issue.line, issue.path) == (FIRST_EDGE_LINE + line, path)
    assert expected in issue.message


_LABEL = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=20)


@given(st.lists(_LABEL, min_size=1, max_size=4))
def test_host_names_are_accepted(labels: list[str]) -> None:
    host = ".".join(labels)
    assert EdgeLinkConfig(id="e", host=host, anonymous=True).host == host


@given(st.text(min_size=1, max_size=80))
def test_an_accepted_host_is_never_a_url_or_host_with_port(text: str) -> None:
    try:
        host = EdgeLinkConfig(id="e", host=text, anonymous=True).host
    except ValidationError:
        return
    assert not any(c in host for c in "/@ \t\n?#")
    assert "://" not in host
    if ":" in host:  # only an IPv6 address has colons
        assert all(c in string.hexdigits + ":." for c in host)
