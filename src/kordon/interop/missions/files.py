"""Read and write a mission file; the format follows the file's extension."""

from __future__ import annotations

from pathlib import Path

from kordon.interop.missions.model import Mission, MissionError
from kordon.interop.missions.plan_file import dump_plan, parse_plan
from kordon.interop.missions.wpl_file import dump_wpl, parse_wpl

PLAN_SUFFIXES = (".plan",)
WPL_SUFFIXES = (".waypoints", ".txt", ".wpl")
MAX_MISSION_BYTES = 16 << 20


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in PLAN_SUFFIXES:
        return "plan"
    if suffix in WPL_SUFFIXES:
        return "wpl"
    known = ", ".join(PLAN_SUFFIXES + WPL_SUFFIXES)
    raise MissionError(f"{path}: unknown mission file extension {path.suffix!r} (use {known})")


def write_mission(mission: Mission, path: Path) -> None:
    """Write ``.plan`` (QGroundControl JSON) or WPL 110 (``.waypoints``/``.txt``/``.wpl``)."""
    text = dump_plan(mission) if _kind(path) == "plan" else dump_wpl(mission)
    path.write_text(text, encoding="utf-8")


def read_mission(path: Path) -> Mission:
    kind = _kind(path)
    try:
        if not path.is_file():
            raise MissionError(f"{path}: not a regular file or does not exist")
        if path.stat().st_size > MAX_MISSION_BYTES:
            raise MissionError(f"{path}: larger than {MAX_MISSION_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MissionError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise MissionError(f"{path}: not UTF-8 text") from None
    return parse_plan(text, str(path)) if kind == "plan" else parse_wpl(text, str(path))
