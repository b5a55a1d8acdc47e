"""``CorroborationGate``: crossings a single weak sensor saw wait for a second sensor.

A track supported by two or more sensors is more certain than one sensor's; a crossing
of a track that only one sensor supports, with a confidence below the sector's
threshold, is held until a second sensor supports the same site track (then released
with its original time) or until ``confirm_within_s`` passes or the track ends (then
dropped and counted). Other events pass straight through.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kordon.domain.event import Event, EventKind

logger = logging.getLogger(__name__)

SENSORS_ATTRIBUTE = "sensors"
TRACK_ATTRIBUTE = "site_track_id"


@dataclass(frozen=True, slots=True)
class CorroborationPolicy:
    """Default threshold and per-sector overrides (``None``: the default)."""

    single_sensor_min_confidence: float
    confirm_within_s: float
    by_sector: dict[str, float] = dataclasses.field(default_factory=dict)

    def threshold(self, sector_id: str | None) -> float:
        if sector_id is not None and sector_id in self.by_sector:
            return self.by_sector[sector_id]
        return self.single_sensor_min_confidence


@dataclass(slots=True)
class _Held:
    event: Event
    site_track_id: int
    until_s: float


@dataclass(slots=True)
class CorroborationCounts:
    held: int = 0
    confirmed: int = 0
    dropped: int = 0


class CorroborationGate:
    """See the module docstring. ``sensors_of(site_track_id)`` gives a live track's
    supporting sensors, ``None`` once the track is gone."""

    def __init__(
        self,
        policy: CorroborationPolicy,
        sensors_of: Callable[[int], tuple[str, ...] | None],
    ) -> None:
        self.policy = policy
        self._sensors_of = sensors_of
        self._held: list[_Held] = []
        self.counts = CorroborationCounts()

    @property
    def waiting(self) -> int:
        return len(self._held)

    def admit(
        self, events: Sequence[Event], confidence: dict[int, float], now_s: float
    ) -> list[Event]:
        """Events to raise now: new ones that need no wait, and held ones now confirmed.

        ``confidence`` maps each site track id behind ``events`` to its confidence.
        """
        out = self._release(now_s)
        for event in events:
            track = event.attributes.get(TRACK_ATTRIBUTE)
            if event.kind is not EventKind.BORDER_CROSSING or not isinstance(track, int):
                out.append(event)
                continue
            sensors = self._sensors_of(track) or ()
            weak = confidence.get(track, 0.0) < self.policy.threshold(event.sector_id)
            if len(sensors) >= 2 or not weak:
                out.append(event)
                continue
            self.counts.held += 1
            self._held.append(_Held(event, track, now_s + self.policy.confirm_within_s))
            logger.info(
                "crossing %s of site track %d (seen by %s alone, confidence %.2f) waits for "
                "a second sensor",
                event.direction,
                track,
                ", ".join(sensors) or "no sensor",
                confidence.get(track, 0.0),
            )
        return out

    def _release(self, now_s: float) -> list[Event]:
        out: list[Event] = []
        keep: list[_Held] = []
        for held in self._held:
            sensors = self._sensors_of(held.site_track_id)
            if sensors is not None and len(sensors) >= 2:
                self.counts.confirmed += 1
                attributes = {
                    **held.event.attributes,
                    SENSORS_ATTRIBUTE: ",".join(sensors),
                    "corroborated": True,
                }
                out.append(dataclasses.replace(held.event, attributes=attributes))
            elif sensors is None or now_s > held.until_s:
                self.counts.dropped += 1
                logger.info(
                    "crossing %s of site track %d dropped: no second sensor confirmed it",
                    held.event.direction,
                    held.site_track_id,
                )
            else:
                keep.append(held)
        self._held = keep
        return out
