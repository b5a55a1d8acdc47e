"""``TrackProvenance``: which sensors supported a site track, and their local ids behind it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class TrackProvenance:
    """``sensors`` maps each supporting sensor to the time of its latest observation;
    ``local_ids`` each sensor to its own track ids behind the site track, in order."""

    site_track_id: int
    sensors: dict[str, float] = field(default_factory=dict)
    local_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)


class ProvenanceLog:
    """Mutable provenance of the live tracks (one small record per track)."""

    def __init__(self) -> None:
        self._sensors: dict[int, dict[str, float]] = {}
        self._local: dict[int, dict[str, list[str]]] = {}
        # Sorted sensor ids per track, rebuilt only when a track gains a sensor.
        self._sorted: dict[int, tuple[str, ...]] = {}

    def record(self, site_track_id: int, sensor_id: str, time_s: float, local_id: str) -> None:
        sensors = self._sensors.setdefault(site_track_id, {})
        if sensor_id not in sensors:
            self._sorted[site_track_id] = tuple(sorted([*sensors, sensor_id]))
        sensors[sensor_id] = time_s
        if local_id:
            ids = self._local.setdefault(site_track_id, {}).setdefault(sensor_id, [])
            if not ids or ids[-1] != local_id:
                ids.append(local_id)

    def sensors_of(self, site_track_id: int) -> tuple[str, ...]:
        return self._sorted.get(site_track_id, ())

    def sensors_of_many(self, site_track_ids: list[int]) -> tuple[tuple[str, ...], ...]:
        """``sensors_of`` for each id in turn."""
        get = self._sorted.get
        return tuple(get(i, ()) for i in site_track_ids)

    def get(self, site_track_id: int) -> TrackProvenance | None:
        if site_track_id not in self._sensors:
            return None
        local = self._local.get(site_track_id, {})
        return TrackProvenance(
            site_track_id=site_track_id,
            sensors=dict(self._sensors[site_track_id]),
            local_ids={s: tuple(ids) for s, ids in local.items()},
        )

    def forget(self, site_track_id: int) -> dict[str, list[str]]:
        """Drop a deleted track; returns its local ids (to unlink them)."""
        self._sensors.pop(site_track_id, None)
        self._sorted.pop(site_track_id, None)
        return self._local.pop(site_track_id, {})
