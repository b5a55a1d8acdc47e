"""``TrackSupport``: which sensors stand behind each live site track (from the tracker)."""

from __future__ import annotations

from kordon.fusion.sensors import SensorKind
from kordon.fusion.tracker import SiteTracker


class TrackSupport:
    """Read-only questions about a live site track's provenance."""

    def __init__(self, tracker: SiteTracker, kinds: dict[str, SensorKind]) -> None:
        self._tracker = tracker
        self._kinds = kinds

    def sensors_of(self, site_track_id: int) -> tuple[str, ...] | None:
        """The sensors that supported the track, ``None`` once it is gone."""
        provenance = self._tracker.provenance(site_track_id)
        return None if provenance is None else tuple(sorted(provenance.sensors))

    def last_sensor(self, site_track_id: int) -> str | None:
        """The camera (else any sensor) that last supported the track."""
        provenance = self._tracker.provenance(site_track_id)
        if provenance is None or not provenance.sensors:
            return None
        ranked = sorted(
            provenance.sensors.items(),
            key=lambda item: (self._kinds.get(item[0]) is SensorKind.CAMERA, item[1]),
        )
        return ranked[-1][0]

    def local_ids(self, site_track_id: int) -> dict[str, tuple[str, ...]]:
        """Each sensor's own track ids behind the track, oldest first."""
        provenance = self._tracker.provenance(site_track_id)
        return {} if provenance is None else dict(provenance.local_ids)
