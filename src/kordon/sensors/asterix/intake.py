"""``RadarIntake``: where every datagram of one radar goes, whatever socket it came on.

Each datagram is decoded (bad blocks and records are counted by error kind and make the
radar degraded for a while, never an exception); records of another SAC/SIC are ignored
and counted; CAT048 test targets (I048/020 SIM) are ignored and counted; plots (CAT048)
and system tracks (CAT062) become observations, admitted by the radar's flood guard (a
token bucket, one token per plot); ADS-B reports (CAT021) go to the cooperative aircraft
(each new aircraft state to ``on_aircraft``, for the map), never to the observations;
CAT034 north markers feed the antenna period and, with every valid record, the silence
watchdog.

What a datagram gave goes out as one :class:`SensorScan` stamped with its latest record
time (an empty scan after a north or sector message tells the site picture the radar's
time moved on), and health changes as :class:`DeviceStatus`. Thread-safe: the receiver's
thread and the node's loop both call in.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from kordon.domain.aircraft import AircraftState
from kordon.domain.observations import Observations
from kordon.domain.scan import SensorScan
from kordon.domain.status import DeviceStatus
from kordon.domain.time import require_utc
from kordon.sensors.asterix.accuracy import Cov2, track_covariance
from kordon.sensors.asterix.cooperative import DEFAULT_MAX_AGE_S, CooperativeAircraft
from kordon.sensors.asterix.decoder import AsterixDecoder
from kordon.sensors.asterix.encoder import NORTH_MARKER
from kordon.sensors.asterix.errors import AsterixDecodeError
from kordon.sensors.asterix.health import RadarHealth
from kordon.sensors.asterix.observer import RadarObserver
from kordon.sensors.asterix.records import (
    Cat021Record,
    Cat034Record,
    Cat048Record,
    Cat062Record,
)
from kordon.sensors.ugs.flood import Admission, FloodLimiter, RateLimit

ScanSink = Callable[[SensorScan], None]
StatusSink = Callable[[DeviceStatus], None]
AircraftSink = Callable[[AircraftState], None]


@dataclass(frozen=True, slots=True)
class RadarCounters:
    """Totals since start."""

    datagrams: int
    records: dict[str, int]
    """Records decoded, by category (``CAT048``...), every SAC/SIC."""
    errors: dict[str, int]
    """Bad blocks and records, by error kind."""
    foreign: int
    """Records of another SAC/SIC, ignored."""
    test_targets: int
    """CAT048 reports flagged simulated (I048/020 SIM), ignored."""
    unusable: int
    """Plots and tracks without a usable position or time."""
    observations: int
    dropped: int
    """Plots and tracks over the flood guard's rate, dropped."""
    aircraft_reports: int
    """CAT021 ADS-B reports (cooperative aircraft), kept out of the observations."""
    north_markers: int


class RadarIntake:
    """Decoding, filtering, flood guard, health and observations for one radar's datagrams."""

    def __init__(
        self,
        *,
        sac: int,
        sic: int,
        observer: RadarObserver,
        health: RadarHealth,
        rate: RateLimit,
        clock: Callable[[], datetime],
        on_scan: ScanSink,
        on_status: StatusSink,
        aircraft: CooperativeAircraft | None = None,
        on_aircraft: AircraftSink | None = None,
        aircraft_max_age_s: float = DEFAULT_MAX_AGE_S,
    ) -> None:
        if not aircraft_max_age_s > 0:
            raise ValueError(f"aircraft_max_age_s must be > 0, got {aircraft_max_age_s}")
        self.sensor_id = observer.sensor_id
        self.source = (sac, sic)
        self._observer = observer
        self._health = health
        self._flood = FloodLimiter({self.sensor_id: rate})
        self._clock = clock
        self._on_scan = on_scan
        self._on_status = on_status
        self.aircraft = aircraft if aircraft is not None else CooperativeAircraft()
        self._on_aircraft = on_aircraft
        self.aircraft_max_age_s = aircraft_max_age_s
        """Silence after which an aircraft this radar reported leaves the map."""
        self._decoder = AsterixDecoder()
        self._lock = threading.Lock()
        self._datagrams = 0
        self._foreign = 0
        self._test_targets = 0
        self._unusable = 0
        self._observations = 0
        self._aircraft_reports = 0
        self._north_markers = 0

    def receive(self, data: bytes) -> SensorScan | None:
        """Handle one datagram; the scan it gave (also handed to ``on_scan``), if any."""
        with self._lock:
            now = require_utc(self._clock(), name="clock()")
            self._datagrams += 1
            statuses: list[DeviceStatus | None] = []
            plots: list[Cat048Record] = []
            tracks: list[tuple[Cat062Record, Cov2 | None]] = []
            marks: list[float] = []
            seen: list[AircraftState] = []
            ours = False
            for item in self._decoder.decode(data):
                if isinstance(item, AsterixDecodeError):
                    statuses.append(self._health.anomaly(item.kind.value, now))
                    continue
                if (item.sac, item.sic) != self.source:
                    self._foreign += 1
                    continue
                ours = True
                if isinstance(item, Cat048Record):
                    if item.simulated:
                        self._test_targets += 1
                    else:
                        plots.append(item)
                elif isinstance(item, Cat062Record):
                    tracks.append((item, track_covariance(data, item.offset, item.lat)))
                elif isinstance(item, Cat034Record):
                    t = float(self._observer.times([item.time_of_day_s], now)[0])
                    if not math.isfinite(t):
                        continue
                    marks.append(t)
                    if item.message_type == NORTH_MARKER:
                        self._north_markers += 1
                        statuses.append(self._health.north_marker(t, item.antenna_period_s, now))
                elif isinstance(item, Cat021Record):
                    self._aircraft_reports += 1
                    t = float(self._observer.times([item.time_of_day_s], now)[0])
                    if math.isfinite(t):
                        state = self.aircraft.update(
                            self.sensor_id,
                            item,
                            t,
                            data=data,
                            max_age_s=self.aircraft_max_age_s,
                        )
                        if state is not None:
                            seen.append(state)
            if ours:
                statuses.append(self._health.heard(now))
            observations = self._observe(plots, tracks, now, statuses)
            scan = self._scan(observations, marks)
            for status in statuses:
                if status is not None:
                    self._on_status(self._with_metrics(status))
            if scan is not None:
                self._on_scan(scan)
            if self._on_aircraft is not None:
                for state in seen:
                    self._on_aircraft(state)
            return scan

    def _observe(
        self,
        plots: list[Cat048Record],
        tracks: list[tuple[Cat062Record, Cov2 | None]],
        now: datetime,
        statuses: list[DeviceStatus | None],
    ) -> Observations:
        from_plots = self._observer.plots(plots, now)
        from_tracks = self._observer.tracks(tracks, now)
        self._unusable += from_plots.unusable + from_tracks.unusable
        obs = Observations.concatenate([from_plots.observations, from_tracks.observations])
        if not len(obs):
            return obs
        now_s = now.timestamp()
        keep = np.ones(len(obs), np.bool_)
        for i in range(len(obs)):
            admission = self._flood.admit(self.sensor_id, now_s)
            if admission is not Admission.ADMITTED:
                keep[i] = False
                if admission is Admission.FLOOD_STARTED:
                    statuses.append(self._health.flood(True, now))
        if not keep.all():
            obs = obs[keep]
        self._observations += len(obs)
        return obs

    def _scan(self, observations: Observations, marks: list[float]) -> SensorScan | None:
        times = [*marks, *observations.time_s.tolist()]
        if not times:
            return None
        return SensorScan(self.sensor_id, max(times), observations)

    def tick(self) -> None:
        """Periodic check (about once a second): silence, ended floods, aged anomalies."""
        with self._lock:
            now = require_utc(self._clock(), name="clock()")
            out: list[DeviceStatus] = []
            if self._flood.recovered(now.timestamp()):
                status = self._health.flood(False, now)
                if status is not None:
                    out.append(status)
            out.extend(self._health.check(now))
            for status in out:
                self._on_status(self._with_metrics(status))

    def status(self) -> DeviceStatus:
        """The radar's current health."""
        with self._lock:
            now = require_utc(self._clock(), name="clock()")
            return self._with_metrics(self._health.status(now))

    def _with_metrics(self, status: DeviceStatus) -> DeviceStatus:
        return replace(status, metrics={**self.metrics(), **status.metrics})

    def metrics(self) -> dict[str, float]:
        """Counters for the radar's device status (read under the intake's lock)."""
        stats = self._decoder.stats
        return {
            "datagrams": float(self._datagrams),
            "observations": float(self._observations),
            "dropped": float(self._flood.counters(self.sensor_id).dropped),
            "foreign": float(self._foreign),
            "decode_errors": float(sum(stats.errors.values())),
            "aircraft_reports": float(self._aircraft_reports),
            "north_markers": float(self._north_markers),
        }

    @property
    def counters(self) -> RadarCounters:
        with self._lock:
            stats = self._decoder.stats
            return RadarCounters(
                datagrams=self._datagrams,
                records={f"CAT{c:03d}": n for c, n in sorted(stats.records.items())},
                errors=dict(sorted(Counter(stats.errors).items())),
                foreign=self._foreign,
                test_targets=self._test_targets,
                unusable=self._unusable,
                observations=self._observations,
                dropped=self._flood.counters(self.sensor_id).dropped,
                aircraft_reports=self._aircraft_reports,
                north_markers=self._north_markers,
            )
