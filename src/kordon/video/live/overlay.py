"""What the browser draws over live video: tracks per analysed frame, rule lines and the border.

Shapes are fixed per camera (image rule lines and zones from the configuration, the
border projected into the image through the camera's georeference); tracks come with the
wall time of the frame they were found on, so the browser can show them with the video
frame of the same moment rather than ahead of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt

from kordon.config.image_rules import ImageRuleConfig, LineRuleConfig
from kordon.domain.tracks import ImageTracks
from kordon.geo.overlay import densify
from kordon.geo.projection import ImageToGround
from kordon.video.live.messages import OverlayMessage, OverlayShape, OverlayTrack

_MAX_PX = 1e5


def rule_shapes(rules: Sequence[ImageRuleConfig]) -> list[OverlayShape]:
    """Image rule lines (two points) and zones (closed polygons), in pixels."""
    shapes: list[OverlayShape] = []
    for rule in rules:
        if isinstance(rule, LineRuleConfig):
            points = [(float(x), float(y)) for x, y in rule.points]
            shapes.append(OverlayShape(id=rule.id, kind="rule_line", points_px=points))
        else:
            points = [(float(x), float(y)) for x, y in rule.polygon]
            shapes.append(OverlayShape(id=rule.id, kind="zone", points_px=points))
    return shapes


def border_shapes(
    camera: ImageToGround,
    border_xy: Sequence[npt.ArrayLike],
    image_wh: tuple[int, int],
    *,
    step_m: float = 5.0,
) -> list[OverlayShape]:
    """Each border polyline's runs that lie in front of the camera and near the image."""
    w, h = image_wh
    shapes: list[OverlayShape] = []
    for line in border_xy:
        pts = densify(line, step_m)
        if pts.shape[0] < 2:
            continue
        uv, ok = camera.ground_to_pixel(pts)
        ok = ok & np.all(np.abs(uv) < _MAX_PX, axis=1)
        near = (uv[:, 0] > -w) & (uv[:, 0] < 2 * w) & (uv[:, 1] > -h) & (uv[:, 1] < 2 * h)
        ok &= near
        run: list[tuple[float, float]] = []
        for good, (u, v) in zip(ok.tolist(), uv.tolist(), strict=True):
            if good:
                run.append((round(float(u), 1), round(float(v), 1)))
                continue
            if len(run) >= 2:
                shapes.append(
                    OverlayShape(id=f"border-{len(shapes)}", kind="border", points_px=run)
                )
            run = []
        if len(run) >= 2:
            shapes.append(OverlayShape(id=f"border-{len(shapes)}", kind="border", points_px=run))
    return shapes


def _border(index: int, run: list[tuple[float, float]]) -> OverlayShape:
    return OverlayShape(id=f"border-{index}", kind="border", points_px=run)


def overlay_text(time: datetime, tracks: ImageTracks) -> str:
    """The ``overlay`` message of one analysed frame."""
    labels = tracks.labels
    items: list[OverlayTrack] = []
    for i in range(len(tracks)):
        class_id = int(tracks.class_id[i])
        label = labels[class_id] if 0 <= class_id < len(labels) else str(class_id)
        x0, y0, x1, y1 = (round(float(v), 1) for v in tracks.xyxy_px[i])
        items.append(
            OverlayTrack(
                track_id=int(tracks.tracker_id[i]),
                xyxy_px=(x0, y0, x1, y1),
                label=label,
                confidence=round(float(tracks.confidence[i]), 3),
                confirmed=bool(tracks.confirmed[i]),
            )
        )
    return OverlayMessage(time_ms=time.timestamp() * 1000.0, tracks=items).model_dump_json()
