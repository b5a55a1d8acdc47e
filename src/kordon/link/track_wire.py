"""Track updates on the link: ``<root>/<edge>/tracks``, edge → centre, not acknowledged.

A message carries the thinned updates of an edge's fused tracks (``kordon.link.track_thinning``)::

    {"v": 1, "edge_id": "edge-a", "sent_at": "2026-...Z",
     "tracks": [{"id": "t-1", "class": "person", "time": "2026-...Z", "lat": 51.7,
                 "lon": 24.1, "sector": "s-1", "camera": null, "sensors": ["cam-1"],
                 "confirmed": true}]}

Not durable: a position is worth sending only while it is current (a lost message is made
good by the next update; the first and last update of a track and every class change are
kept by the thinning). Parsing is strict (exact keys and types, finite coordinates in range,
times with a zone); a :class:`CodecError` says what is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, ValidationError

from kordon.domain.live_track import LiveTrack
from kordon.domain.time import require_utc
from kordon.link.codec import StrictModel
from kordon.link.errors import CodecError

VERSION = 1
MAX_TRACKS = 2_000
"""Updates per message, at most."""

_Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
_Time = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class _TrackV1(StrictModel):
    id: _Id
    cls: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        alias="class"
    )
    time: _Time
    lat: Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
    lon: Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
    sector: _Id | None
    camera: _Id | None
    sensors: Annotated[list[_Id], Field(max_length=64)]
    confirmed: bool


class _TracksV1(StrictModel):
    v: int
    edge_id: _Id
    sent_at: _Time
    tracks: Annotated[list[_TrackV1], Field(min_length=1, max_length=MAX_TRACKS)]


@dataclass(frozen=True, slots=True)
class TrackBatch:
    edge_id: str
    sent_at: datetime
    tracks: tuple[LiveTrack, ...]
    """Track ids as the edge names them."""


def _iso(time: datetime) -> str:
    return require_utc(time).isoformat().replace("+00:00", "Z")


def _time(value: str, what: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CodecError(f"{what}: {exc}") from exc
    if parsed.tzinfo is None:
        raise CodecError(f"{what} must carry a time zone")
    return require_utc(parsed)


def encode_tracks(edge_id: str, tracks: Sequence[LiveTrack], *, sent_at: datetime) -> bytes:
    """The message for ``tracks`` (1 to :data:`MAX_TRACKS`), as UTF-8 JSON."""
    if not 1 <= len(tracks) <= MAX_TRACKS:
        raise ValueError(f"a track message holds 1 to {MAX_TRACKS} updates, not {len(tracks)}")
    document = {
        "v": VERSION,
        "edge_id": edge_id,
        "sent_at": _iso(sent_at),
        "tracks": [
            {
                "id": t.track_id,
                "class": t.class_name,
                "time": _iso(t.time),
                "lat": t.lat,
                "lon": t.lon,
                "sector": t.sector_id,
                "camera": t.camera_id,
                "sensors": list(t.sensors),
                "confirmed": t.confirmed,
            }
            for t in tracks
        ],
    }
    return json.dumps(document, separators=(",", ":"), allow_nan=False).encode("utf-8")


def track_bytes(track: LiveTrack) -> int:
    """About what ``track`` adds to a message (for the bandwidth budget)."""
    return 150 + len(track.track_id) + sum(len(s) + 3 for s in track.sensors)


def decode_tracks(data: bytes) -> TrackBatch:
    """A track message from the wire; ``CodecError`` when anything in it is off."""
    try:
        wire = _TracksV1.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CodecError(f"track message: {where}: {first['msg']}") from None
    if wire.v != VERSION:
        raise CodecError(f"unknown track message version {wire.v!r} (this Kordon reads 1)")
    tracks = []
    for n, raw in enumerate(wire.tracks):
        try:
            tracks.append(
                LiveTrack(
                    track_id=raw.id,
                    camera_id=raw.camera,
                    lat=raw.lat,
                    lon=raw.lon,
                    class_name=raw.cls,
                    time=_time(raw.time, f"track {n} time"),
                    sector_id=raw.sector,
                    sensors=tuple(raw.sensors),
                    confirmed=raw.confirmed,
                )
            )
        except ValueError as exc:
            raise CodecError(f"track {n} ({raw.id}): {exc}") from exc
    return TrackBatch(wire.edge_id, _time(wire.sent_at, "sent_at"), tuple(tracks))
