"""Which simulated scene a configured camera shows."""

from __future__ import annotations

import dataclasses

from kordon.config.models import CameraConfig, SimulatorSource, SiteConfig
from kordon.sim.errors import SimulationError
from kordon.sim.geo_scene import build_geo_scene
from kordon.sim.scenes import Scene, get_scene

GEO_SCENARIO = "border"
"""Scenario name that renders intruders crossing the site's real border in the camera's
georeferenced view (``kordon.sim.geo_scene``); other names come from ``kordon.sim.scenes``."""


def _world_of(
    site: SiteConfig, camera: CameraConfig, source: SimulatorSource
) -> tuple[str | None, int]:
    """The camera whose people this camera shows, and that scene's seed."""
    if source.world is None or source.world == camera.id:
        return None, source.seed
    try:
        other = site.camera(source.world)
    except KeyError:
        raise SimulationError(
            f"camera {camera.id!r}: source.world names unknown camera {source.world!r}"
        ) from None
    if not isinstance(other.source, SimulatorSource) or other.source.scenario != GEO_SCENARIO:
        raise SimulationError(
            f"camera {camera.id!r}: source.world {source.world!r} must be a simulated "
            f"camera with scenario {GEO_SCENARIO!r}"
        )
    if other.source.world not in (None, other.id):
        raise SimulationError(
            f"camera {camera.id!r}: source.world {source.world!r} shows another camera's "
            "world itself; name that camera instead"
        )
    return other.id, other.source.seed


def scene_for_camera(site: SiteConfig, camera: CameraConfig, source: SimulatorSource) -> Scene:
    """The scene of a simulator-fed camera; ``SimulationError``/``KordonError`` if unknown.

    A camera of ``kind: thermal`` gets its scene rendered as a thermal camera sees it.
    """
    if source.scenario == GEO_SCENARIO:
        world, seed = _world_of(site, camera, source)
        return build_geo_scene(site, camera.id, seed, fps=source.fps, world_camera_id=world)
    scene = get_scene(source.scenario, source.seed)
    if camera.kind == "thermal":
        thermal = dataclasses.replace(scene.scenario, thermal=True)
        return dataclasses.replace(scene, scenario=thermal)
    return scene
