"""``UgsIntake``: where every ground-sensor message goes, whatever it came over.

Decoded messages (MQTT, HTTP, the simulator) pass, in order: the duplicate filter (a
repeated ``seq``: MQTT QoS 1 delivers at least once), the per-sensor flood limiter, device
health, and, for alarms, conversion to observations. Observations and health changes go
to the two callbacks given at construction; refusals and drops are counted. Thread-safe:
the MQTT client's thread, the API's thread pool and the node's loop may all call in.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kordon.domain.observations import Observations
from kordon.domain.status import DeviceStatus
from kordon.domain.time import require_utc
from kordon.sensors.ugs.decoder import UgsDecoder
from kordon.sensors.ugs.errors import UgsDecodeError
from kordon.sensors.ugs.flood import Admission, FloodLimiter
from kordon.sensors.ugs.health import UgsHealthMonitor
from kordon.sensors.ugs.message import UgsMessage
from kordon.sensors.ugs.observer import AlarmObserver

ObservationSink = Callable[[Observations], None]
StatusSink = Callable[[DeviceStatus], None]
SEQ_MEMORY = 64
"""Recent ``seq`` values remembered per sensor to drop redeliveries."""


class Verdict(StrEnum):
    """What became of one decoded message."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    DROPPED = "dropped"
    """Over the sensor's rate limit (flood)."""


@dataclass(frozen=True, slots=True)
class IntakeCounters:
    """Totals since start: messages by verdict, alarms, and refusals by error kind."""

    accepted: int
    alarms: int
    duplicates: int
    dropped: int
    refused: dict[str, int]


class UgsIntake:
    """Flood limit, de-duplication, health and observations for decoded messages."""

    def __init__(
        self,
        *,
        decoder: UgsDecoder,
        observer: AlarmObserver,
        health: UgsHealthMonitor,
        flood: FloodLimiter,
        clock: Callable[[], datetime],
        on_observations: ObservationSink,
        on_status: StatusSink,
    ) -> None:
        self.decoder = decoder
        self._observer = observer
        self._health = health
        self._flood = flood
        self._clock = clock
        self._on_observations = on_observations
        self._on_status = on_status
        self._lock = threading.Lock()
        self._seqs: dict[str, deque[int]] = {}
        self._verdicts: Counter[Verdict] = Counter()
        self._alarms = 0
        self._refused: Counter[str] = Counter()

    def receive(self, data: bytes) -> tuple[UgsMessage, Verdict]:
        """Decode ``data`` and handle it; a refused message raises :class:`UgsDecodeError`
        (and is counted)."""
        try:
            message = self.decoder.decode(data)
        except UgsDecodeError as exc:
            self.refused(exc)
            raise
        return message, self.handle(message)

    def refused(self, error: UgsDecodeError) -> None:
        """Count a message refused before it got here (by a decoder or a signature check)."""
        with self._lock:
            self._refused[str(error.kind)] += 1

    def count_refusal(self, reason: str) -> None:
        """Count a refusal that is not a decode error (``bad_signature``, ``topic_mismatch``)."""
        with self._lock:
            self._refused[reason] += 1

    def handle(self, message: UgsMessage) -> Verdict:
        """Take one decoded message of a known sensor."""
        with self._lock:
            now = require_utc(self._clock(), name="clock()")
            sid = message.sensor_id
            recent = self._seqs.setdefault(sid, deque(maxlen=SEQ_MEMORY))
            if message.seq is not None and message.seq in recent:
                self._verdicts[Verdict.DUPLICATE] += 1
                return Verdict.DUPLICATE
            admission = self._flood.admit(sid, now.timestamp())
            if admission is not Admission.ADMITTED:
                self._verdicts[Verdict.DROPPED] += 1
                if admission is Admission.FLOOD_STARTED:
                    dropped = self._flood.counters(sid).dropped
                    self._emit(self._health.flood(sid, now, flooding=True, dropped_total=dropped))
                return Verdict.DROPPED
            if message.seq is not None:
                recent.append(message.seq)
            self._verdicts[Verdict.ACCEPTED] += 1
            self._emit(self._health.record(message, now))
            observations = self._observer.observe([message], arrival_s=now.timestamp())
            if len(observations):
                self._alarms += len(observations)
                self._on_observations(observations)
            return Verdict.ACCEPTED

    def tick(self) -> None:
        """Periodic check (about once a second): silent sensors, ended floods."""
        with self._lock:
            now = require_utc(self._clock(), name="clock()")
            for sid in self._flood.recovered(now.timestamp()):
                dropped = self._flood.counters(sid).dropped
                self._emit(self._health.flood(sid, now, flooding=False, dropped_total=dropped))
            for status in self._health.check(now):
                self._on_status(status)

    def statuses(self) -> list[DeviceStatus]:
        """Every ground sensor's current health."""
        with self._lock:
            return self._health.statuses(require_utc(self._clock(), name="clock()"))

    @property
    def counters(self) -> IntakeCounters:
        with self._lock:
            return IntakeCounters(
                accepted=self._verdicts[Verdict.ACCEPTED],
                alarms=self._alarms,
                duplicates=self._verdicts[Verdict.DUPLICATE],
                dropped=self._verdicts[Verdict.DROPPED],
                refused=dict(self._refused),
            )

    def _emit(self, status: DeviceStatus | None) -> None:
        if status is not None:
            self._on_status(status)
