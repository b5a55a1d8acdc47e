"""Where segments live: ``<data>/recordings/<camera>/<UTC date>/<hour>/<start>.ts``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from kordon.record.errors import InvalidRecordingInputError

RECORDINGS = "recordings"
QUARANTINE = "quarantine"
SEGMENT_SUFFIX = ".ts"
_STAMP = "%Y%m%dT%H%M%S"
_CAMERA = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_NAME = re.compile(r"^(\d{8}T\d{6})\.(\d{6})Z\.ts$")


def check_camera_id(camera_id: str) -> str:
    """Camera ids become directory names: only slugs, never ``..`` or separators."""
    if not _CAMERA.match(camera_id) or camera_id == QUARANTINE:
        raise InvalidRecordingInputError(
            f"camera id {camera_id!r} is not a slug (lower-case letters, digits, '-', '_')"
        )
    return camera_id


def segment_rel_path(camera_id: str, start: datetime) -> str:
    """The POSIX path of a segment starting at ``start``, relative to the data directory."""
    utc = start.astimezone(UTC)
    name = f"{utc.strftime(_STAMP)}.{utc.microsecond:06d}Z{SEGMENT_SUFFIX}"
    return "/".join(
        (RECORDINGS, check_camera_id(camera_id), utc.strftime("%Y-%m-%d"), utc.strftime("%H"), name)
    )


def start_from_name(name: str) -> datetime | None:
    """The start time encoded in a segment file name, or ``None`` if it is not one."""
    match = _NAME.match(name)
    if match is None:
        return None
    base = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
    return base.replace(microsecond=int(match.group(2)))


def camera_dir(data_dir: Path, camera_id: str) -> Path:
    return data_dir / RECORDINGS / check_camera_id(camera_id)


def quarantine_dir(data_dir: Path) -> Path:
    return data_dir / RECORDINGS / QUARANTINE


def segment_files(data_dir: Path, camera_id: str) -> dict[str, Path]:
    """Every segment-named file of a camera, by relative path."""
    root = camera_dir(data_dir, camera_id)
    if not root.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in root.glob(f"*/*/*{SEGMENT_SUFFIX}"):
        if start_from_name(path.name) is not None and path.is_file():
            found[path.relative_to(data_dir).as_posix()] = path
    return found
