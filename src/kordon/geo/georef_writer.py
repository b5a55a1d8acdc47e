"""Write a camera's control points back into its site file, keeping the rest of the text.

PyYAML drops comments on a round trip, so the file is edited as text: the camera's
``georeference:`` block (found by indentation inside its ``- id: CAMERA`` item under
``cameras:``) is replaced, or added at the end of the item. The caller validates the result
before replacing the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kordon.domain.errors import KordonError
from kordon.geo.homography import GroundControlPoint


class GeorefWriteError(KordonError, ValueError):
    """The site file's text could not be edited safely."""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _fmt(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".")


def control_points_block(indent: int, gcps: Sequence[GroundControlPoint]) -> list[str]:
    """The YAML lines of a ``control_points`` georeference at ``indent`` spaces."""
    pad = " " * indent
    lines = [f"{pad}georeference:", f"{pad}  kind: control_points", f"{pad}  points:"]
    for g in gcps:
        lines.append(
            f"{pad}    - {{pixel: [{_fmt(g.u_px)}, {_fmt(g.v_px)}], "
            f"lat: {_fmt(g.lat)}, lon: {_fmt(g.lon)}}}"
        )
    return lines


def _camera_item(lines: list[str], camera_id: str) -> tuple[int, int, int]:
    """(first line, end line exclusive, key indent) of the camera's list item."""
    top = next((i for i, ln in enumerate(lines) if re.match(r"^cameras:\s*(#.*)?$", ln)), None)
    if top is None:
        raise GeorefWriteError("no top-level 'cameras:' block in the site file")
    pattern = re.compile(rf"^(\s*)-\s+id:\s*['\"]?{re.escape(camera_id)}['\"]?\s*(#.*)?$")
    start = None
    dash = 0
    for i in range(top + 1, len(lines)):
        ln = lines[i]
        if _is_content(ln) and _indent(ln) == 0:
            break
        m = pattern.match(ln)
        if m:
            start, dash = i, len(m.group(1))
            break
    if start is None:
        raise GeorefWriteError(
            f"camera {camera_id!r}: no '- id: {camera_id}' item found under 'cameras:' "
            "(the writer needs the id on the item's first line)"
        )
    end = len(lines)
    for i in range(start + 1, len(lines)):
        ln = lines[i]
        if _is_content(ln) and _indent(ln) <= dash:
            end = i
            break
    while end > start + 1 and not _is_content(lines[end - 1]):
        end -= 1
    return start, end, dash + 2


def replace_georeference(text: str, camera_id: str, gcps: Sequence[GroundControlPoint]) -> str:
    """``text`` with the camera's georeference replaced by these control points."""
    lines = text.splitlines()
    start, end, key_indent = _camera_item(lines, camera_id)
    block = control_points_block(key_indent, gcps)
    key = re.compile(rf"^ {{{key_indent}}}georeference:\s*(#.*)?$")
    g_start = next((i for i in range(start, end) if key.match(lines[i])), None)
    if g_start is None:
        new = [*lines[:end], *block, *lines[end:]]
    else:
        g_end = g_start + 1
        while g_end < end and (not _is_content(lines[g_end]) or _indent(lines[g_end]) > key_indent):
            g_end += 1
        while g_end > g_start + 1 and not _is_content(lines[g_end - 1]):
            g_end -= 1
        new = [*lines[:g_start], *block, *lines[g_end:]]
    return "\n".join(new) + ("\n" if text.endswith("\n") else "")
