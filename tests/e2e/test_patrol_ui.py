"""Browser end-to-end test of the sector patrol in the Drones tab against a real ``kordon run``.

Starts the all-in-one node on a temporary copy of the Volyn demo (its simulated drone
``uav-1:1`` streams telemetry and takes mission uploads on a ``udpin`` port), creates an
operator, then runs ``patrol.spec.mjs`` in Node, which drives Debian's Chromium through
playwright-core: the Drones tab (key 4) lists the drone; a click on the drone on the map
opens its popup, whose "Plan patrol" fills the form for it; key p; ``s1-tripoint`` plans
although the demo drone patrols km 10 of a winding border (the straight ways to the
sector's start at the tripoint and back home cut across it): the plan flies a transit and
a return on the home side, its route is drawn on the map with the summary and the border
check; Enter on Confirm uploads it and the page
shows what the drone accepted. On a node that serves the patrol's mission files
(``GET /api/drones/patrols/{sector_id}/mission.{plan,waypoints}``), the preview's Export
buttons download them, and both load back (kordon's reader; pymavlink's WPL loader) as the
sector's mission: the items the plan listed without the transit and the return.

Afterwards: the route is on the map (many more route-coloured pixels in the map after
planning than before), and the simulated drone flies the uploaded patrol — its heading
turns to the first leg and it closes on the first waypoint, as ``GET /api/drones`` reports.
Screenshots land in ``test-artifacts/e2e-patrol/``.

Skips with the reason (fails in CI) when Chromium, Node, ``web/node_modules`` or
``web/dist`` is missing.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from pymavlink import mavwp  # type: ignore[import-untyped]

from kordon.interop.missions.files import read_mission
from kordon.interop.missions.model import Command
from tests.support.browser import CHROMIUM, require_browser
from tests.support.demo_site import (
    create_user,
    running_kordon,
    volyn_copy,
)

OPERATOR = ("e2e-patrol-operator", "e2e-Patrol-Horse-42")
DRONE = "uav-1:1"
SECTOR = "s1-tripoint"
NODE_START_TIMEOUT_S = 90.0
SPEC_TIMEOUT_S = 240.0
FLY_TIMEOUT_S = 30.0
ROUTE_RGB = (0xFF, 0xB3, 0x00)  # the planned patrol legs (web/src/map/patrol_preview.ts)
EXPORT_ROUTE = "/api/drones/patrols/{sector_id}/mission.{file_format}"


@dataclass(frozen=True)
class RunningNode:
    url: str
    log_file: Path


@pytest.fixture
def running_node(repo_root: Path, tmp_path: Path) -> Iterator[RunningNode]:
    require_browser(repo_root)
    site_file = volyn_copy(tmp_path)
    create_user(site_file, *OPERATOR, "operator")
    log_file = tmp_path / "node.log"
    with running_kordon(
        site_file, log_file, cwd=repo_root, start_timeout_s=NODE_START_TIMEOUT_S
    ) as url:
        yield RunningNode(url=url, log_file=log_file)


def _route_pixels(png: Path) -> int:
    """Pixels within a small distance of the route colour."""
    rgb = np.asarray(Image.open(png).convert("RGB"), dtype=np.int32)
    return int((np.abs(rgb - np.array(ROUTE_RGB)).sum(axis=2) <= 60).sum())


def _distance_m(a: list[float], b: list[float]) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    east = math.radians(b[0] - a[0]) * math.cos(lat) * 6_371_008.8
    north = math.radians(b[1] - a[1]) * 6_371_008.8
    return math.hypot(east, north)


def _bearing_deg(a: list[float], b: list[float]) -> float:
    lat1, lat2 = math.radians(a[1]), math.radians(b[1])
    d_lon = math.radians(b[0] - a[0])
    y = math.sin(d_lon) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(d_lon)
    return math.degrees(math.atan2(y, x)) % 360


def _transit_and_return(commands: list[str]) -> tuple[int, int]:
    """Waypoints flown before the patrol's first camera point and after its camera release
    (before the waypoint over home and the landing there)."""
    first = commands.index("DO_SET_ROI_LOCATION")
    release = commands.index("DO_SET_ROI_NONE")
    assert commands[-2:] == ["NAV_WAYPOINT", "NAV_LAND"], commands
    return commands[1:first].count("NAV_WAYPOINT"), commands[release:-2].count("NAV_WAYPOINT")


def _check_exports(exports: Path, commands: list[str]) -> None:
    """The downloaded .plan and WPL are the sector's mission: the planned patrol without
    the drone's transit and return (take off, set the speed, the patrol, return to
    launch); WPL loads in pymavlink."""
    first = commands.index("DO_SET_ROI_LOCATION")
    release = commands.index("DO_SET_ROI_NONE")
    expected = [*commands[:2], *commands[first : release + 1], "NAV_RETURN_TO_LAUNCH"]
    plan_file = exports / f"patrol-{SECTOR}.plan"
    wpl_file = exports / f"patrol-{SECTOR}.waypoints"
    for path in (plan_file, wpl_file):
        assert [Command(i.command).name for i in read_mission(path).items] == expected
    assert mavwp.MAVWPLoader().load(str(wpl_file)) == len(expected) + 1  # and the home


@dataclass(frozen=True)
class DroneFix:
    lonlat: list[float]
    heading_deg: float | None
    link: str


def _drone(client: httpx.Client) -> DroneFix:
    answer = client.get("/api/drones")
    assert answer.status_code == 200, answer.text
    [state] = [d for d in answer.json() if d["drone_id"] == DRONE]
    heading = state["heading_deg"]
    return DroneFix(
        lonlat=[float(state["lon"]), float(state["lat"])],
        heading_deg=None if heading is None else float(heading),
        link=str(state["link"]),
    )


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_patrol_planned_drawn_and_uploaded_in_chromium(
    running_node: RunningNode, repo_root: Path, tmp_path: Path
) -> None:
    artifacts = repo_root / "test-artifacts" / "e2e-patrol"
    artifacts.mkdir(parents=True, exist_ok=True)
    for old in artifacts.glob("*.png"):
        old.unlink()  # a step that fails to run must not pass on an earlier run's picture
    plan_file = tmp_path / "plan.json"
    exports = tmp_path / "exports"
    exports.mkdir()
    with httpx.Client(base_url=running_node.url, timeout=10) as client:
        served = client.get("/api/openapi.json").json()["paths"]
    can_export = EXPORT_ROUTE in served
    env = {
        **os.environ,
        "KORDON_URL": running_node.url,
        "KORDON_USER": OPERATOR[0],
        "KORDON_PASSWORD": OPERATOR[1],
        "ARTIFACTS_DIR": str(artifacts),
        "CHROMIUM": str(CHROMIUM),
        "KORDON_WEB_DIR": str(repo_root / "web"),
        "DRONE_ID": DRONE,
        "SECTOR": SECTOR,
        "REFUSED_SECTOR": "",  # from the demo drone, every sector now plans
        "RESULT_FILE": str(plan_file),
        "EXPORT_DIR": str(exports) if can_export else "",
    }
    result = subprocess.run(
        ["node", str(repo_root / "tests" / "e2e" / "patrol.spec.mjs")],
        env=env,
        capture_output=True,
        text=True,
        timeout=SPEC_TIMEOUT_S,
        check=False,
    )
    shutil.copy(running_node.log_file, artifacts / "node.log")
    assert result.returncode == 0, (
        f"browser patrol walk failed (screenshots in {artifacts}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    for name in ("drones", "popup", "preview", "uploaded"):
        assert any(artifacts.glob(f"*-{name}.png")), f"no screenshot of step {name!r}"

    # the route is drawn: the map holds many route-coloured pixels after planning only
    before = _route_pixels(artifacts / "map-before.png")
    after = _route_pixels(artifacts / "map-preview.png")
    assert after > before + 500, f"route pixels before {before}, with the plan {after}"

    plan = json.loads(plan_file.read_text())
    assert (plan["kind"], plan["drone_id"], plan["sector_id"]) == ("patrol", DRONE, SECTOR)
    assert plan["border_clearance_m"] >= plan["buffer_m"]
    commands = [str(i["command"]) for i in plan["items"]]
    transit, back = _transit_and_return(commands)
    assert transit >= 1, f"no transit to the tripoint sector from the demo drone: {commands}"
    assert back >= 1, f"no return on the home side: {commands}"
    if can_export:
        _check_exports(exports, commands)

    # the drone flies it: heading for the first waypoint (of the transit) and closing on it
    first = plan["route"][1]
    with httpx.Client(base_url=running_node.url, timeout=10) as client:
        login = client.post(
            "/api/auth/login", json={"username": OPERATOR[0], "password": OPERATOR[1]}
        )
        assert login.status_code == 200, login.text
        distance0 = _distance_m(_drone(client).lonlat, first)
        deadline = time.monotonic() + FLY_TIMEOUT_S
        closed_m = 0.0
        heading_error = 180.0
        while time.monotonic() < deadline:
            time.sleep(1.0)
            fix = _drone(client)
            closed_m = distance0 - _distance_m(fix.lonlat, first)
            assert fix.heading_deg is not None, "the drone reports no heading"
            wanted = _bearing_deg(fix.lonlat, first)
            heading_error = abs((fix.heading_deg - wanted + 180) % 360 - 180)
            if closed_m >= 50 and heading_error <= 10:
                break
        assert closed_m >= 50, f"the drone closed only {closed_m:.0f} m on the first waypoint"
        assert heading_error <= 10, f"heading {heading_error:.0f}° off the first leg"
        assert fix.link != "lost"
