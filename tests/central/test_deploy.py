"""``deploy/``: the Compose topology's files are consistent with each other and valid.

The central file and the map load as ``kordon central`` loads them; the outposts' site
files pass the site checks (their ``edge:`` section is checked with the edge link's
model until the site schema has it); every file the Compose services mount exists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kordon.central.config import load_central
from kordon.central.edge_link import EdgeLinkConfig
from kordon.config.loader import parse_site

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
VOLYN = REPO / "examples" / "volyn"
CONTAINER_VOLYN = "/srv/kordon/volyn"


def _site_text(path: Path) -> str:
    """A deploy site file with the container's mount of examples/volyn made local."""
    return path.read_text(encoding="utf-8").replace(CONTAINER_VOLYN, str(VOLYN))


def test_the_central_file_and_its_map_load() -> None:
    config = load_central(DEPLOY / "central" / "central.yaml")
    assert config.allowed_edges == {"edge-a", "edge-b"}
    assert [b.host for b in config.brokers] == ["mosquitto"]
    site = config.resolve(config.site)
    parse_site(_site_text(site), display=str(site), base_dir=site.parent)


def test_each_outpost_site_is_valid_and_names_its_edge() -> None:
    config = load_central(DEPLOY / "central" / "central.yaml")
    for edge in ("edge-a", "edge-b"):
        path = DEPLOY / edge / "site.yaml"
        document = yaml.safe_load(_site_text(path))
        section = EdgeLinkConfig.model_validate(document.pop("edge"))
        assert section.id == edge
        assert section.id in config.allowed_edges
        assert section.topic_root == config.brokers[0].topic_root
        site = parse_site(yaml.safe_dump(document), display=str(path), base_dir=path.parent)
        assert site.site.id == edge
        assert [c.source.kind for c in site.cameras] == ["simulator"]
        # the simulated border scene (and the outpost) needs each camera's pose
        assert [getattr(c.georeference, "kind", None) for c in site.cameras] == ["pose"]


def test_compose_mounts_existing_files_and_runs_the_topology() -> None:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "credentials", "mosquitto", "central", "edge-a", "edge-b"}
    assert services["central"]["command"] == ["central", "/srv/kordon/central/central.yaml"]
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in compose["volumes"], f"{name}: undeclared volume {source}"
    conf = (DEPLOY / "mosquitto" / "mosquitto.conf").read_text()
    assert "allow_anonymous false" in conf
    assert "password_file /mosquitto/generated/local/passwd" in conf
    assert "acl_file /mosquitto/generated/local/acl" in conf


def test_compose_builds_the_kordon_image_once() -> None:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    kordon = {n for n, s in services.items() if s.get("image") == "kordon:local"}
    assert kordon == {"credentials", "central", "edge-a", "edge-b"}
    assert [n for n in sorted(kordon) if "build" in services[n]] == ["credentials"]
    assert (REPO / services["credentials"]["build"]["dockerfile"]).is_file()
    # the others run the image credentials built: it is on no registry
    assert {services[n].get("pull_policy") for n in kordon - {"credentials"}} == {"never"}


def test_the_offline_override_builds_every_image_from_files_here() -> None:
    base: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    offline: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.offline.yaml").read_text())
    services = offline["services"]
    assert set(services) == set(base["services"])
    built = {n: s["build"] for n, s in services.items() if "build" in s}
    assert set(built) == {"postgres", "mosquitto", "credentials"}
    for name, build in built.items():
        dockerfile = DEPLOY / build["context"] / build["dockerfile"]
        assert dockerfile.is_file(), (name, dockerfile)
        assert "ARG BASE=debian:bookworm-slim" in dockerfile.read_text(), name
    image = services["credentials"]["image"]
    assert all(services[n]["image"] == image for n in ("central", "edge-a", "edge-b"))
    entrypoint = DEPLOY / "images" / "postgres-entrypoint.sh"
    assert entrypoint.stat().st_mode & 0o111, "the postgres entrypoint must be executable"
