"""Checks beyond the schema: references, ids, geometry, files.

They run on the parts of a site that passed schema validation (:class:`SiteParts`),
so one pass reports every problem. Returns issues keyed by field path (a tuple of
keys and indices into the YAML document) so the loader can attach the line of the
offending node.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from shapely.geometry import LineString, Polygon

from kordon.config.analytics import NanoDetDetector, YoloDetector
from kordon.config.border_geometry import border_lonlat, line_xy, polygon_problem
from kordon.config.bounded_read import (
    MODEL_FILE,
    VIDEO_FILE,
    FileKind,
    FileReadError,
    check_regular_file,
)
from kordon.config.camera import FileSource
from kordon.config.drone_video import video_file_problem, world_problem
from kordon.config.errors import BorderGeometryError, GeoJsonError
from kordon.config.image_rules import ZoneRuleConfig
from kordon.config.integrations import MavlinkSensor
from kordon.config.parts import SiteParts
from kordon.geo.frame import LocalFrame

FieldPath = tuple[str | int, ...]

#: A polygon sector must lie within this distance of a border line.
SECTOR_MAX_BORDER_DISTANCE_M = 5_000.0
#: Slack when comparing km posts with a border's measured length.
KM_TOLERANCE = 0.001


_SECTION_WHAT = {
    "borders": "border",
    "sectors": "sector",
    "zones": "zone",
    "cameras": "camera",
    "sensors": "sensor",
    "notifiers": "notifier",
}


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


@dataclass(frozen=True)
class SemanticIssue:
    """A problem found after schema validation, located by field path."""

    path: FieldPath
    message: str


def _duplicates(
    section: str, what: str, ids: Iterable[str | None], prefix: FieldPath = ()
) -> list[SemanticIssue]:
    seen: dict[str, int] = {}
    issues = []
    for index, item_id in enumerate(ids):
        if item_id is None:
            continue
        if item_id in seen:
            first = f"{section}[{seen[item_id]}]"
            issues.append(
                SemanticIssue(
                    (*prefix, section, index, "id"),
                    f"duplicate {what} id {item_id!r} (already used by {first})",
                )
            )
        else:
            seen[item_id] = index
    return issues


def _unknown_ref(path: FieldPath, what: str, ref: str, known: Sequence[str]) -> SemanticIssue:
    listing = ", ".join(repr(k) for k in known) if known else "none are defined"
    return SemanticIssue(path, f"unknown {what} {ref!r}; known {what}s: {listing}")


def _ids(items: Sequence[_HasId | None]) -> list[str]:
    return [item.id for item in items if item is not None]


def _check_borders(
    config: SiteParts, frame: LocalFrame | None, issues: list[SemanticIssue]
) -> dict[str, LineString]:
    lines: dict[str, LineString] = {}
    for index, border in enumerate(config.borders):
        if border is None:
            continue
        codes = (border.sides.left, border.sides.right)
        if border.home_side not in codes:
            issues.append(
                SemanticIssue(
                    ("borders", index, "home_side"),
                    f"{border.home_side!r} is not one of the side codes "
                    f"{codes[0]!r} (left) or {codes[1]!r} (right)",
                )
            )
        if frame is None:
            continue  # the site origin is invalid; its own issue says why
        source_field = "geometry_file" if border.geometry_file is not None else "coordinates"
        try:
            lonlat = border_lonlat(border, config.base_dir, frame)
        except GeoJsonError as exc:
            issues.append(SemanticIssue(("borders", index, source_field), str(exc)))
            continue
        except BorderGeometryError as exc:
            issues.append(SemanticIssue(("borders", index, "clip"), str(exc)))
            continue
        line = line_xy(lonlat, frame)
        if line.length <= 0.0:
            issues.append(
                SemanticIssue(("borders", index, source_field), "border line has zero length")
            )
            continue
        lines[border.id] = line
    return lines


def _check_polygon(
    path: FieldPath, points: Sequence[tuple[float, float]], frame: LocalFrame | None
) -> SemanticIssue | None:
    xy = frame.lonlat_to_xy(points) if frame is not None else points
    problem = polygon_problem(xy, frame)
    return None if problem is None else SemanticIssue(path, problem)


def _check_sectors(
    config: SiteParts,
    frame: LocalFrame | None,
    lines: dict[str, LineString],
    issues: list[SemanticIssue],
) -> None:
    border_ids = _ids(config.borders)
    for index, sector in enumerate(config.sectors):
        if sector is None:
            continue
        if sector.polygon is not None:
            if frame is None:
                continue
            problem = _check_polygon(("sectors", index, "polygon"), sector.polygon, frame)
            if problem is not None:
                issues.append(problem)
                continue
            if len(lines) < len(config.borders) or "borders" in config.incomplete:
                continue  # a border failed to load; its own issue says why
            area = Polygon(frame.lonlat_to_xy(sector.polygon))
            distances = [line.distance(area) for line in lines.values()]
            if not distances or min(distances) > SECTOR_MAX_BORDER_DISTANCE_M:
                nearest = f"{min(distances) / 1000:.1f} km" if distances else "no border defined"
                issues.append(
                    SemanticIssue(
                        ("sectors", index, "polygon"),
                        f"sector polygon is not near any border (nearest: {nearest}; must be "
                        f"within {SECTOR_MAX_BORDER_DISTANCE_M / 1000:g} km)",
                    )
                )
            continue
        if sector.border is None or sector.to_km is None:
            continue  # not reachable: SectorConfig requires all three without a polygon
        if sector.border not in border_ids:
            issues.append(
                _unknown_ref(("sectors", index, "border"), "border", sector.border, border_ids)
            )
            continue
        line = lines.get(sector.border)
        if line is None:
            continue
        length_km = line.length / 1000.0
        if sector.to_km > length_km + KM_TOLERANCE:
            issues.append(
                SemanticIssue(
                    ("sectors", index, "to_km"),
                    f"to_km {sector.to_km} is beyond the end of border {sector.border!r}, "
                    f"which is {length_km:.3f} km long",
                )
            )


def _check_zones(config: SiteParts, frame: LocalFrame | None, issues: list[SemanticIssue]) -> None:
    border_ids = _ids(config.borders)
    for index, zone in enumerate(config.zones):
        if zone is None:
            continue
        if zone.polygon is not None:
            if frame is None:
                continue
            problem = _check_polygon(("zones", index, "polygon"), zone.polygon, frame)
            if problem is not None:
                issues.append(problem)
        elif zone.buffer is not None and zone.buffer.border not in border_ids:
            issues.append(
                _unknown_ref(
                    ("zones", index, "buffer", "border"), "border", zone.buffer.border, border_ids
                )
            )


def _check_file(
    path: FieldPath, config: SiteParts, file: Path, kind: FileKind
) -> SemanticIssue | None:
    """A file another component opens later: it must exist, be regular and within limits."""
    try:
        check_regular_file(config.resolve_path(file), kind)
    except FileReadError as exc:
        return SemanticIssue(path, str(exc))
    return None


def _check_cameras(config: SiteParts, issues: list[SemanticIssue]) -> None:
    sector_ids = _ids(config.sectors)
    for index, camera in enumerate(config.cameras):
        if camera is None:
            continue
        here: FieldPath = ("cameras", index)
        if camera.sector not in sector_ids:
            issues.append(_unknown_ref((*here, "sector"), "sector", camera.sector, sector_ids))
        issues.extend(_duplicates("rules", "rule", (r.id for r in camera.rules), here))
        issues.extend(_duplicates("masks", "mask", (m.id for m in camera.masks), here))
        for m_index, mask in enumerate(camera.masks):
            problem = _check_polygon((*here, "masks", m_index, "polygon"), mask.polygon, None)
            if problem is not None:
                issues.append(problem)
        for r_index, rule in enumerate(camera.rules):
            if isinstance(rule, ZoneRuleConfig):
                problem = _check_polygon((*here, "rules", r_index, "polygon"), rule.polygon, None)
                if problem is not None:
                    issues.append(problem)
        if not camera.enabled:
            continue  # a disabled camera may point at files that are not deployed yet
        found: SemanticIssue | None = None
        if isinstance(camera.source, FileSource):
            found = _check_file((*here, "source", "path"), config, camera.source.path, VIDEO_FILE)
        if found is not None:
            issues.append(found)
        detector = camera.analytics.detector
        if isinstance(detector, YoloDetector | NanoDetDetector) and detector.model is not None:
            found = _check_file(
                (*here, "analytics", "detector", "model"), config, detector.model, MODEL_FILE
            )
            if found is not None:
                issues.append(found)


def _check_drone_videos(config: SiteParts, issues: list[SemanticIssue]) -> None:
    for index, sensor in enumerate(config.sensors):
        if isinstance(sensor, MavlinkSensor) and sensor.video is not None:
            here: FieldPath = ("sensors", index, "video", "source")
            problem = world_problem(sensor.video.source, config.cameras)
            if problem is not None:
                issues.append(SemanticIssue((*here, "world"), problem))
            problem = video_file_problem(sensor.video.source, config.resolve_path)
            if problem is not None:
                issues.append(SemanticIssue((*here, "path"), problem))


def check_site(config: SiteParts) -> list[SemanticIssue]:
    """Every semantic problem of the schema-valid parts of a site; reads referenced files,
    writes nothing.

    Items that failed the schema are skipped; a reference into a section that lost
    items (``config.incomplete``) is not reported as unknown, since it may name one of them.
    """
    issues: list[SemanticIssue] = []
    for section, what in _SECTION_WHAT.items():
        items: Sequence[_HasId | None] = getattr(config, section)
        issues.extend(_duplicates(section, what, (i.id if i is not None else None for i in items)))
    origin = config.origin
    frame = LocalFrame(origin.lat, origin.lon) if origin is not None else None
    lines = _check_borders(config, frame, issues)
    _check_sectors(config, frame, lines, issues)
    _check_zones(config, frame, issues)
    _check_cameras(config, issues)
    _check_drone_videos(config, issues)
    if config.storage is not None:
        camera_ids = _ids(config.cameras)
        for cam_id in config.storage.retention.cameras:
            if cam_id not in camera_ids:
                issues.append(
                    _unknown_ref(
                        ("storage", "retention", "cameras", cam_id), "camera", cam_id, camera_ids
                    )
                )
    return [
        i
        for i in issues
        if not any(i.message.startswith(f"unknown {_SECTION_WHAT[s]} ") for s in config.incomplete)
    ]
