"""``AnalyzeSummary``: what ``summary.json`` records about a run, and its counters."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kordon.domain.event import Event, EventKind


@dataclass(slots=True)
class RuleCounts:
    """Events per rule: line crossings per direction, zone events per kind."""

    lines: dict[str, dict[str, int]] = field(default_factory=dict)
    zones: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, event: Event) -> None:
        if event.rule_id is None:
            return
        if event.kind is EventKind.LINE_CROSSING and event.direction is not None:
            per = self.lines.setdefault(event.rule_id, {"in": 0, "out": 0})
            per[event.direction.value] = per.get(event.direction.value, 0) + 1
        elif event.kind in (EventKind.ZONE_ENTER, EventKind.ZONE_EXIT, EventKind.ZONE_DWELL):
            per = self.zones.setdefault(event.rule_id, {})
            per[event.kind.value] = per.get(event.kind.value, 0) + 1


@dataclass(frozen=True, slots=True)
class AnalyzeSummary:
    """A finished run. ``realtime_factor`` = video seconds analysed per wall second;
    ``frames_decoded`` counts source frames up to the last analysed one."""

    video: str
    width_px: int
    height_px: int
    source_fps: float
    analytics_fps: float | None
    frames_decoded: int
    frames_analysed: int
    frames_skipped_by_gate: int
    video_s: float
    wall_s: float
    analysed_fps: float
    realtime_factor: float
    stages_ms: dict[str, dict[str, float]]
    lines: dict[str, dict[str, int]]
    zones: dict[str, dict[str, int]]
    events: int
    confirmed_tracks: int
    decode_errors: int
    outputs: dict[str, str]

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
