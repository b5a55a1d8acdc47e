"""Drawing a frame's results: track boxes with ids and classes, lines with counts, zones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cv2
import numpy as np
import numpy.typing as npt

from kordon.analyze.options import LineSpec, ZoneSpec
from kordon.domain.tracks import ImageTracks

ImageBGR = npt.NDArray[np.uint8]

_CONFIRMED = (60, 220, 60)
_TENTATIVE = (160, 160, 160)
_LINE = (0, 200, 255)
_ZONE = (255, 160, 0)
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def _label(image: ImageBGR, text: str, x: int, y: int, colour: tuple[int, int, int]) -> None:
    (w, h), base = cv2.getTextSize(text, _FONT, 0.45, 1)
    y = max(y, h + base)
    cv2.rectangle(image, (x, y - h - base), (x + w, y), colour, cv2.FILLED)
    cv2.putText(image, text, (x, y - base), _FONT, 0.45, (0, 0, 0), 1, cv2.LINE_AA)


def annotate(
    image: ImageBGR,
    tracks: ImageTracks,
    lines: Sequence[LineSpec],
    zones: Sequence[ZoneSpec],
    line_counts: Mapping[str, Mapping[str, int]],
) -> ImageBGR:
    """A copy of ``image`` with zones, counting lines (``in``/``out`` so far) and tracks."""
    out = image.copy()
    for zone in zones:
        pts = np.round(np.asarray(zone.polygon_xy)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(out, [pts], True, _ZONE, 2, cv2.LINE_AA)
        _label(out, zone.rule_id, int(pts[0, 0, 0]), int(pts[0, 0, 1]), _ZONE)
    for line in lines:
        a = (round(line.start_xy[0]), round(line.start_xy[1]))
        b = (round(line.end_xy[0]), round(line.end_xy[1]))
        cv2.line(out, a, b, _LINE, 2, cv2.LINE_AA)
        counts = line_counts.get(line.rule_id, {})
        text = f"{line.rule_id} in {counts.get('in', 0)} out {counts.get('out', 0)}"
        _label(out, text, min(a[0], b[0]) + 4, min(a[1], b[1]) - 4, _LINE)
    names = tracks.class_names
    for i, box in enumerate(tracks.xyxy_px.tolist()):
        x1, y1, x2, y2 = (round(v) for v in box)
        confirmed = bool(tracks.confirmed[i])
        colour = _CONFIRMED if confirmed else _TENTATIVE
        cv2.rectangle(out, (x1, y1), (x2, y2), colour, 2 if confirmed else 1)
        if confirmed:
            _label(out, f"{int(tracks.tracker_id[i])} {names[i]}", x1, y1 - 2, colour)
    return out
