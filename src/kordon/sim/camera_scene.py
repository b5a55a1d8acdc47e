"""Which simulated scene a configured camera shows."""

from __future__ import annotations

import dataclasses

from kordon.config.models import CameraConfig, SimulatorSource, SiteConfig
from kordon.sim.geo_scene import build_geo_scene
from kordon.sim.scenes import Scene, get_scene

GEO_SCENARIO = "border"
"""Scenario name that renders intruders crossing the site's real border in the camera's
georeferenced view (``kordon.sim.geo_scene``); other names come from ``kordon.sim.scenes``."""


def scene_for_camera(site: SiteConfig, camera: CameraConfig, source: SimulatorSource) -> Scene:
    """The scene of a simulator-fed camera; ``SimulationError``/``KordonError`` if unknown.

    A camera of ``kind: thermal`` gets its scene rendered as a thermal camera sees it.
    """
    if source.scenario == GEO_SCENARIO:
        return build_geo_scene(site, camera.id, source.seed, fps=source.fps)
    scene = get_scene(source.scenario, source.seed)
    if camera.kind == "thermal":
        thermal = dataclasses.replace(scene.scenario, thermal=True)
        return dataclasses.replace(scene, scenario=thermal)
    return scene
