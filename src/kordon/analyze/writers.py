"""Result files of a run: ``events.jsonl`` and MOTChallenge ``tracks.txt``."""

from __future__ import annotations

import dataclasses
import json
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import IO

from kordon.domain.event import Event
from kordon.domain.tracks import ImageTracks

JsonValue = str | float | int | bool | None | list[str] | dict[str, str | float | int | bool]


def event_json(event: Event) -> dict[str, JsonValue]:
    """An event as JSON-ready fields (time ISO 8601 UTC, enums by value, ``None`` kept)."""
    out: dict[str, JsonValue] = {}
    for f in dataclasses.fields(event):
        name = f.name
        value = getattr(event, name)
        if isinstance(value, Enum):
            out[name] = value.value
        elif name == "time":
            out[name] = event.time.isoformat()
        elif isinstance(value, tuple):
            out[name] = list(value)
        elif isinstance(value, dict):
            out[name] = dict(value)
        else:
            out[name] = value
    return out


class _TextFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def open(self) -> None:
        self._file = self.path.open("w", encoding="utf-8")

    def _write(self, text: str) -> None:
        if self._file is None:
            raise RuntimeError(f"{self.path}: write before open()")
        self._file.write(text)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class EventsWriter(_TextFile):
    """One event per line as a JSON object."""

    def __enter__(self) -> EventsWriter:
        self.open()
        return self

    def write(self, events: tuple[Event, ...] | list[Event]) -> None:
        for event in events:
            self._write(json.dumps(event_json(event), sort_keys=True) + "\n")


class MotWriter(_TextFile):
    """MOTChallenge rows ``frame,id,x,y,w,h,conf,-1,-1,-1`` of confirmed tracks; frames are
    the source's frame numbers counted from 1."""

    def __enter__(self) -> MotWriter:
        self.open()
        return self

    def write(self, frame_index: int, tracks: ImageTracks) -> None:
        rows = []
        for tid, box, conf, ok in zip(
            tracks.tracker_id.tolist(),
            tracks.xyxy_px.tolist(),
            tracks.confidence.tolist(),
            tracks.confirmed.tolist(),
            strict=True,
        ):
            if not ok:
                continue
            x1, y1, x2, y2 = box
            rows.append(
                f"{frame_index + 1},{tid},{x1:.2f},{y1:.2f},{x2 - x1:.2f},{y2 - y1:.2f},"
                f"{conf:.3f},-1,-1,-1\n"
            )
        self._write("".join(rows))
