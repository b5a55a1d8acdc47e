"""``kordon mission plan|check``: border patrol missions as QGroundControl / WPL files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kordon.cli.common import SiteArg, err_console, load_site_or_exit
from kordon.config.site import SiteConfig
from kordon.geo.site_geometry import SiteGeometry, SiteGeometryError
from kordon.interop.missions import (
    MissionClearance,
    MissionError,
    PatrolError,
    PatrolSpec,
    patrol_sector,
    plan_patrol,
    read_mission,
    write_mission,
)
from kordon.interop.missions.files import PLAN_SUFFIXES, WPL_SUFFIXES

app = typer.Typer(help="Drone missions: border patrols, checks.", no_args_is_help=True)

_SHOWN = 20
BufferOpt = Annotated[
    float, typer.Option("--buffer", min=0.0, help="Distance to keep from the border, metres.")
]


def _fail(message: str) -> typer.Exit:
    err_console.print(f"error: {message}", markup=False, highlight=False)
    return typer.Exit(code=2)


def _geometry(site_path: Path) -> tuple[SiteGeometry, SiteConfig]:
    site = load_site_or_exit(site_path)
    try:
        return SiteGeometry.from_config(site), site
    except SiteGeometryError as exc:
        raise _fail(str(exc)) from None


@app.command("plan")
def plan(
    site: SiteArg,
    *,
    sector: Annotated[str, typer.Option("--sector", help="Sector id (along a border).")],
    out: Annotated[
        Path,
        typer.Option("--out", help="Output: .plan (QGroundControl) or .waypoints/.txt (WPL 110)."),
    ],
    offset: Annotated[
        float, typer.Option("--offset", help="Distance of the route from the border, metres.")
    ] = 300.0,
    buffer: BufferOpt = 100.0,
    altitude: Annotated[
        float, typer.Option("--altitude", help="Altitude above home, metres.")
    ] = 80.0,
    speed: Annotated[float, typer.Option("--speed", help="Ground speed, m/s.")] = 10.0,
) -> None:
    """Plan a patrol along SECTOR on the home side; refuse one that comes near the border."""
    suffix = out.suffix.lower()
    if suffix not in PLAN_SUFFIXES + WPL_SUFFIXES:
        known = ", ".join(PLAN_SUFFIXES + WPL_SUFFIXES)
        raise _fail(f"unknown mission file extension {out.suffix!r} for {out} (use {known})")
    geometry, config = _geometry(site)
    spec = PatrolSpec(offset_m=offset, buffer_m=buffer, altitude_m=altitude, speed_mps=speed)
    try:
        stretch = patrol_sector(config, geometry, sector)
        mission = plan_patrol(stretch, list(geometry.borders.values()), spec)
        write_mission(mission, out)
    except (PatrolError, MissionError) as exc:
        raise _fail(str(exc)) from None
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror or exc}") from None
    legs = len(mission.flight_path()) - 1
    typer.echo(f"sector {sector}: {len(mission.items)} items, {legs} legs, clear by {buffer:g} m")
    typer.echo(f"wrote {out}")


@app.command("check")
def check(
    mission_file: Annotated[Path, typer.Argument(help="A .plan or WPL file.", show_default=False)],
    site: SiteArg,
    *,
    buffer: BufferOpt = 100.0,
) -> None:
    """Report whether MISSION_FILE crosses a border of SITE or its buffer (exit 1 if so)."""
    try:
        mission = read_mission(mission_file)
    except MissionError as exc:
        raise _fail(str(exc)) from None
    geometry, _config = _geometry(site)
    clearance = MissionClearance(geometry.frame, list(geometry.borders.values()), buffer)
    violations = clearance.check(mission)
    legs = len(mission.flight_path()) - 1
    if not violations:
        typer.echo(f"{mission_file}: {legs} legs, all clear of the border by {buffer:g} m")
        return
    for v in violations[:_SHOWN]:
        typer.echo(f"{mission_file}: {v}")
    if len(violations) > _SHOWN:
        typer.echo(f"{mission_file}: ... {len(violations) - _SHOWN} more")
    typer.echo(f"{mission_file}: {len(violations)} of {legs} legs break the {buffer:g} m buffer")
    raise typer.Exit(code=1)
