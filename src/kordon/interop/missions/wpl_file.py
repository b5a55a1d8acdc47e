"""MAVLink WPL 110 text files (``QGC WPL 110`` header, one tab-separated item per line).

Columns: seq, current, frame, command, param1..param4, x (lat), y (lon), z (alt),
autocontinue. Line ``0`` is the home position.
"""

from __future__ import annotations

import math

from kordon.interop.missions.model import Command, Frame, Mission, MissionError, MissionItem

HEADER = "QGC WPL 110"
_COLUMNS = 12


def _fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.8f}"


def dump_wpl(mission: Mission) -> str:
    lat, lon, alt = mission.home
    home = (0.0, 0.0, 0.0, 0.0, lat, lon, alt)
    rows: list[tuple[int, int, int, int, tuple[float, ...], bool]] = [
        (0, 1, int(Frame.GLOBAL), int(Command.NAV_WAYPOINT), home, True)
    ]
    rows += [
        (seq, 0, item.frame, item.command, item.params, item.autocontinue)
        for seq, item in enumerate(mission.items, start=1)
    ]
    lines = [HEADER]
    for seq, current, frame, command, params, auto in rows:
        cells = [str(seq), str(current), str(int(frame)), str(int(command))]
        cells += [_fmt(p) for p in params] + [str(int(auto))]
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def parse_wpl(text: str, name: str = "waypoints") -> Mission:
    """WPL 110 text back to a :class:`Mission` (line 0 is home); errors name the line."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or not lines[0].strip().startswith(HEADER):
        raise MissionError(f"{name}: not a WPL 110 file (the first line must be {HEADER!r})")
    home: tuple[float, float, float] | None = None
    items: list[MissionItem] = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t") if "\t" in line else line.split()
        if len(cells) != _COLUMNS:
            raise MissionError(f"{name}:{number}: expected {_COLUMNS} columns, got {len(cells)}")
        try:
            seq, _current, frame, command = (int(c) for c in cells[:4])
            params = tuple(float(c) for c in cells[4:11])
            auto = int(float(cells[11]))
        except ValueError:
            raise MissionError(f"{name}:{number}: not a number in {line!r}") from None
        if seq != len(items) + (0 if home is None else 1):
            raise MissionError(f"{name}:{number}: sequence number {seq} out of order")
        if home is None:
            home = (params[4], params[5], params[6])
            continue
        items.append(MissionItem(command, frame, params, bool(auto)))  # type: ignore[arg-type]
    if home is None:
        raise MissionError(f"{name}: no home line (line 0)")
    return Mission(home, tuple(items))
