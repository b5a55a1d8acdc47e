"""What an analysis run is asked to do, parsed from command-line text with clear errors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from kordon.domain.errors import KordonError

Point = tuple[float, float]


class AnalyzeError(KordonError):
    """Bad input to an analysis run (option text, video file): the message says which."""


class ModelKind(StrEnum):
    NANODET = "nanodet"
    SSDLITE = "ssdlite"
    YOLO = "yolo"
    MOTION = "motion"


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """Detector for the run; ``path`` only for ``yolo``."""

    kind: ModelKind
    path: Path | None = None

    @classmethod
    def parse(cls, text: str) -> ModelChoice:
        """``nanodet``, ``ssdlite``, ``motion`` or ``yolo:PATH``."""
        name, _, rest = text.partition(":")
        try:
            kind = ModelKind(name.strip().lower())
        except ValueError:
            raise AnalyzeError(
                f"--model {text!r}: expected nanodet, ssdlite, motion or yolo:PATH"
            ) from None
        if kind is ModelKind.YOLO:
            if not rest:
                raise AnalyzeError("--model yolo needs a model file: yolo:PATH")
            return cls(kind, Path(rest))
        if rest:
            raise AnalyzeError(f"--model {text!r}: only yolo takes a path")
        return cls(kind)


def _numbers(text: str, option: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise AnalyzeError(f"{option} {text!r}: expected comma-separated numbers") from None
    if not all(math.isfinite(v) and v >= 0 for v in values):
        raise AnalyzeError(f"{option} {text!r}: pixel coordinates must be finite and >= 0")
    return values


@dataclass(frozen=True, slots=True)
class LineSpec:
    """A directional counting line: ``in`` = crossing from its left to its right, looking
    from the first point to the second (as displayed, y down)."""

    rule_id: str
    start_xy: Point
    end_xy: Point

    @classmethod
    def parse(cls, text: str, rule_id: str) -> LineSpec:
        v = _numbers(text, "--line")
        if len(v) != 4:
            raise AnalyzeError(f"--line {text!r}: expected x1,y1,x2,y2 (4 numbers), got {len(v)}")
        if (v[0], v[1]) == (v[2], v[3]):
            raise AnalyzeError(f"--line {text!r}: the two points are identical")
        return cls(rule_id, (v[0], v[1]), (v[2], v[3]))


@dataclass(frozen=True, slots=True)
class ZoneSpec:
    """An image polygon; enter and exit events."""

    rule_id: str
    polygon_xy: tuple[Point, ...]

    @classmethod
    def parse(cls, text: str, rule_id: str) -> ZoneSpec:
        v = _numbers(text, "--zone")
        if len(v) < 6 or len(v) % 2:
            raise AnalyzeError(
                f"--zone {text!r}: expected x1,y1,x2,y2,x3,y3,... (at least 3 points)"
            )
        points = tuple((v[i], v[i + 1]) for i in range(0, len(v), 2))
        return cls(rule_id, points)


@dataclass(frozen=True, slots=True)
class AnalyzeOptions:
    """One run: ``fps`` is the analytics rate (``None``: every frame)."""

    video: Path
    out_dir: Path
    lines: tuple[LineSpec, ...] = ()
    zones: tuple[ZoneSpec, ...] = ()
    model: ModelChoice = ModelChoice(ModelKind.NANODET)
    fps: float | None = 5.0
    threads: int = 2
    write_video: bool = True
    classes: tuple[str, ...] = ("person", "car", "truck", "bus", "motorcycle", "bicycle")

    def __post_init__(self) -> None:
        if self.fps is not None and not (math.isfinite(self.fps) and self.fps > 0):
            raise AnalyzeError(f"--fps must be > 0 (or 0 for every frame), got {self.fps}")
        if not 1 <= self.threads <= 64:
            raise AnalyzeError(f"--threads must be in [1, 64], got {self.threads}")
