"""``SiteTracker``: one picture of the site from every sensor's observations.

``ingest(observations, now_s)`` screens each row (bad values, unknown sensor, flooding,
too late or too far ahead) and buffers the good ones; ``advance(now_s)`` processes every
buffered observation stamped up to ``now_s − reorder_lag_s`` in time order, one scan
(one sensor at one time) after another: predict, gate, assign, update, initiate; then
deletes stale tracks and returns the tracks estimated at that time. Time is always an
argument; nothing here reads a clock.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kordon.domain.observations import Observations
from kordon.domain.site_tracks import SiteTracks
from kordon.fusion.associator import GlobalNearestNeighbour
from kordon.fusion.config import FusionConfig
from kordon.fusion.deleter import CoastingDeleter
from kordon.fusion.flood import FloodGuard
from kordon.fusion.health import FusionHealthEvent, RejectCounters, RejectReason
from kordon.fusion.hypothesiser import MahalanobisHypothesiser
from kordon.fusion.initiator import MOfNInitiator
from kordon.fusion.local_ids import LocalIdBook
from kordon.fusion.measurement import MeasurementModel, PositionModel
from kordon.fusion.predictor import ConstantVelocityPredictor, Predictor
from kordon.fusion.provenance import ProvenanceLog, TrackProvenance
from kordon.fusion.reorder import ReorderBuffer
from kordon.fusion.reports import Assignments, FusionStep, IngestReport
from kordon.fusion.screening import ObservationScreen
from kordon.fusion.sensors import SensorRegistry
from kordon.fusion.table import TrackTable
from kordon.fusion.updater import KalmanUpdater

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

UNKNOWN_SENSOR_KEY = "<unknown>"
UNKNOWN_CLASS = "unknown"
"""The class of a report that does not classify (ground sensors, radar plots)."""
ACCEPTED = int(RejectReason.ACCEPTED)
# A track's primary sensor (the one whose local ids steer association) hands over to
# another supporting sensor after this long without supporting the track (s).
PRIMARY_HANDOFF_S = 1.0
# Local ids do not steer association between tracks walking toward each other (velocities
# more than 90° apart) whose velocities differ by more than this (m/s): people passing.
PASSING_MPS = 1.0
# Up to this many live tracks every one is scored against a scan without pre-selection.
SMALL_TABLE = 48


def _require_finite(name: str, value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


class SiteTracker:
    """Multi-sensor global-nearest-neighbour tracker with one site track id per object.

    Components are passed in (or built from ``config``): ``predictor``, ``updater``,
    ``hypothesiser``, ``associator``, ``initiator``, ``deleter``. Each sensor has a
    measurement model; today's observations carry positions, so every sensor uses
    :class:`PositionModel` unless told otherwise through ``models`` (the seam where a
    radar's range/bearing model plugs in with its own observation batch).
    """

    def __init__(
        self,
        config: FusionConfig,
        registry: SensorRegistry,
        *,
        predictor: Predictor | None = None,
        updater: KalmanUpdater | None = None,
        hypothesiser: MahalanobisHypothesiser | None = None,
        associator: GlobalNearestNeighbour | None = None,
        initiator: MOfNInitiator | None = None,
        deleter: CoastingDeleter | None = None,
        models: Sequence[MeasurementModel] | None = None,
    ) -> None:
        self.config = config
        self.registry = registry
        self._predictor = predictor or ConstantVelocityPredictor(config.acceleration_noise_mps2)
        self._updater = updater or KalmanUpdater()
        self._hypothesiser = hypothesiser or MahalanobisHypothesiser(
            config.gate_mahalanobis2, self._updater
        )
        self._associator = associator or GlobalNearestNeighbour()
        self._initiator = initiator or MOfNInitiator(
            config.confirm_hits, config.confirm_window, config.initial_speed_sigma_mps
        )
        self._deleter = deleter or CoastingDeleter(
            tentative_max_coast_s=config.tentative_max_coast_s,
            confirmed_max_coast_s=config.confirmed_max_coast_s,
            max_position_sigma_m=config.max_position_sigma_m,
            tentative_coast_revisits=config.tentative_coast_revisits,
            confirmed_coast_revisits=config.confirmed_coast_revisits,
        )
        if models is not None and len(models) != len(registry):
            raise ValueError(
                f"models: expected {len(registry)} (one per sensor), got {len(models)}"
            )
        position = PositionModel()
        self._models: tuple[MeasurementModel, ...] = (
            tuple(models) if models is not None else tuple(position for _ in registry.specs)
        )
        self._q = config.acceleration_noise_mps2**2
        # Scanning sensors' revisit intervals (0: looks all the time); ``None`` when no
        # sensor scans, so a camera-only site pays nothing for them.
        self._revisit_s: F64 | None = (
            registry.revisit_s if bool((registry.revisit_s > 0).any()) else None
        )
        self._screen = ObservationScreen(config)
        self._flood = FloodGuard(registry)
        self._buffer = ReorderBuffer()
        self._table = TrackTable(len(registry))
        self._provenance = ProvenanceLog()
        self._local = LocalIdBook()
        self.counters = RejectCounters()
        self.numerical_failures = 0
        self.late_updates = 0
        """Track updates from reports older than their track (folded in at their time)."""
        self._watermark_s = -math.inf
        self._next_seq = 0
        self._next_id = 1

    @property
    def watermark_s(self) -> float:
        """Every observation stamped up to this time has been processed."""
        return self._watermark_s

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def provenance(self, site_track_id: int) -> TrackProvenance | None:
        """Sensors and sensor-local ids behind a live site track (``None`` if not live)."""
        return self._provenance.get(site_track_id)

    # -- input -----------------------------------------------------------------------

    def ingest(self, obs: Observations, now_s: float) -> IngestReport:
        """Screen and buffer a batch received at ``now_s``; never raises on bad rows."""
        now_s = _require_finite("now_s", now_s)
        n = len(obs)
        # Older than what has been processed is fine (folded in at its own time, see
        # ``_scan``); only older than the lag is too late.
        threshold = now_s - self.config.reorder_lag_s
        reason = self._screen.screen(obs, now_s=now_s, watermark_s=threshold)
        sensor = self.registry.index_of(obs.sensor_id)
        ok = (reason == ACCEPTED) & (sensor >= 0)
        reason[(reason == ACCEPTED) & ~ok] = RejectReason.UNKNOWN_SENSOR
        admitted = self._flood.admit(np.where(ok, sensor, -1), now_s)
        reason[ok & ~admitted] = RejectReason.FLOODING
        ok &= admitted
        room = self.config.max_buffered - len(self._buffer)
        ok_rows = np.flatnonzero(ok)
        if ok_rows.shape[0] > room:
            reason[ok_rows[max(room, 0) :]] = RejectReason.BUFFER_FULL
            ok = reason == ACCEPTED
            ok_rows = np.flatnonzero(ok)
        seq = np.full(n, -1, np.int64)
        k = int(ok_rows.shape[0])
        seq[ok_rows] = np.arange(self._next_seq, self._next_seq + k, dtype=np.int64)
        self._next_seq += k
        if k == n:
            self._buffer.push(obs, seq, sensor)
        elif k:
            self._buffer.push(obs[ok_rows], seq[ok_rows], sensor[ok_rows])
        events = self._count_rejections(sensor, reason, now_s) if k < n else ()
        return IngestReport(reason=reason, seq=seq, events=events)

    def _count_rejections(
        self, sensor: I64, reason: npt.NDArray[np.int8], now_s: float
    ) -> tuple[FusionHealthEvent, ...]:
        bad = np.flatnonzero(reason != ACCEPTED)
        # Unknown ids are caller-controlled: count them under one key, not one each.
        keys = np.where(sensor[bad] >= 0, sensor[bad], len(self.registry))
        combined = keys.astype(np.int64) * 16 + reason[bad].astype(np.int64)
        values, counts = np.unique(combined, return_counts=True)
        events: list[FusionHealthEvent] = []
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            key, code = divmod(int(value), 16)
            sensor_id = self.registry.ids[key] if key < len(self.registry) else UNKNOWN_SENSOR_KEY
            why = RejectReason(code)
            self.counters.add(sensor_id, why, int(count))
            events.append(FusionHealthEvent(now_s, sensor_id, why, int(count)))
        return tuple(events)

    # -- processing ------------------------------------------------------------------

    def advance(self, now_s: float) -> FusionStep:
        """Process what is due at ``now_s − reorder_lag_s``; return the tracks then."""
        now_s = _require_finite("now_s", now_s)
        watermark = max(self._watermark_s, now_s - self.config.reorder_lag_s)
        due = self._buffer.release(watermark)
        self._watermark_s = watermark
        seq_out: list[I64] = []
        id_out: list[I64] = []
        n = len(due)
        if n:
            time_s, sensor = due.time_s, due.sensor
            change = (time_s[1:] != time_s[:-1]) | (sensor[1:] != sensor[:-1])
            bounds = [0, *(np.flatnonzero(change) + 1).tolist(), n]
            for lo, hi in itertools.pairwise(bounds):
                ids = self._scan(
                    float(time_s[lo]),
                    int(sensor[lo]),
                    z=due.east_north_m[lo:hi],
                    noise=due.cov_m2[lo:hi],
                    class_name=due.class_name[lo:hi],
                    confidence=due.confidence[lo:hi],
                    local_id=due.local_id[lo:hi],
                )
                id_out.append(ids)
            seq_out.append(due.seq)
        mean, cov = self._predict_all(watermark)
        kept, deleted = self._delete(watermark, cov)
        assignments = Assignments(
            seq=seq_out[0] if seq_out else np.zeros(0, np.int64),
            site_track_id=(
                (id_out[0] if len(id_out) == 1 else np.concatenate(id_out))
                if id_out
                else np.zeros(0, np.int64)
            ),
        )
        if deleted.size:
            mean, cov = mean[kept], cov[kept]
        tracks = self._snapshot(watermark, mean, cov)
        return FusionStep(tracks=tracks, deleted=deleted, assignments=assignments)

    def update(self, obs: Observations, now_s: float) -> tuple[IngestReport, FusionStep]:
        """``ingest`` then ``advance`` at the same time."""
        return self.ingest(obs, now_s), self.advance(now_s)

    def _candidates(self, time_s: float, z: F64, noise: F64) -> I64:
        """Rows that can pass the gate of at least one measurement of this scan.

        Per axis, |Δ| ≤ √(gate · λmax(S)) ≤ √(gate · (tr P_pos + max tr R)); the predicted
        position trace is written out so nothing is predicted for far-away tracks.
        """
        t = self._table
        if len(t) == 0:
            return np.zeros(0, np.int64)
        dt = time_s - t.time_s
        pos = t.mean[:, :2] + t.mean[:, 2:] * dt[:, None]
        cov = t.cov
        trace = (
            cov[:, 0, 0]
            + cov[:, 1, 1]
            + 2.0 * dt * (cov[:, 0, 2] + cov[:, 1, 3])
            + dt * dt * (cov[:, 2, 2] + cov[:, 3, 3])
            + 2.0 * self._q * np.abs(dt) * dt * dt / 3.0
        )
        r_trace = float(np.max(noise[:, 0, 0] + noise[:, 1, 1]))
        margin = np.sqrt(self._hypothesiser.gate * (trace + r_trace)) * 1.001 + 1e-6
        lo = z.min(axis=0)
        hi = z.max(axis=0)
        inside = np.all((pos >= lo - margin[:, None]) & (pos <= hi + margin[:, None]), axis=1)
        return np.flatnonzero(inside).astype(np.int64)

    def _scan(
        self,
        time_s: float,
        sensor: int,
        *,
        z: F64,
        noise: F64,
        class_name: npt.NDArray[np.str_],
        confidence: F64,
        local_id: npt.NDArray[np.str_],
    ) -> I64:
        """One sensor's observations at one time; returns the site track id of each.

        Confirmed tracks are assigned first and tentative ones get the observations they
        left (see :meth:`GlobalNearestNeighbour.associate_in_tiers`); the rest start
        tentative tracks.
        """
        t = self._table
        n = z.shape[0]
        model = self._models[sensor]
        out = np.full(n, -1, np.int64)
        n_tracks = len(t)
        matched = np.zeros(n_tracks, np.bool_)
        if n_tracks <= SMALL_TABLE:
            # Few tracks: scoring them all costs less than pre-selecting candidates.
            cand: I64 | None = None
            prior_mean, prior_cov, prior_time = t.mean, t.cov, t.time_s
            first = t.confirmed
        else:
            cand = self._candidates(time_s, z, noise)
            prior_mean, prior_cov, prior_time = t.mean[cand], t.cov[cand], t.time_s[cand]
            first = t.confirmed[cand]
        if prior_time.shape[0]:
            mean, cov = self._predictor.predict(prior_mean, prior_cov, time_s - prior_time)
            cost = self._hypothesiser.hypothesise(mean, cov, z, noise, model).cost
            if self.config.local_id_bonus > 0 and self._local:
                self._apply_local_bonus(
                    cost,
                    cand,
                    local_id,
                    sensor,
                    z=z,
                    time_s=time_s,
                    velocity=mean[:, 2:],
                    rivals=first,
                )
            ci, oj = self._associator.associate_in_tiers(cost, first)
            if ci.size:
                rows = ci if cand is None else cand[ci]
                new_mean, new_cov = self._updater.update(mean[ci], cov[ci], z[oj], noise[oj], model)
                # A report older than its track (it came after the picture went ahead
                # without it) updates the track where it is, from its innovation against
                # the track retrodicted to the report's time.
                ahead = t.time_s[rows] - time_s
                late = np.flatnonzero(ahead > 0)
                if late.size:
                    new_mean[late], new_cov[late] = self._updater.update_late(
                        t.mean[rows[late]],
                        t.cov[rows[late]],
                        past_mean=mean[ci[late]],
                        past_cov=cov[ci[late]],
                        dt_s=-ahead[late],
                        z=z[oj[late]],
                        noise=noise[oj[late]],
                        model=model,
                    )
                    self.late_updates += int(late.size)
                if not (np.isfinite(new_cov).all() and np.isfinite(new_mean).all()):
                    # Defensive: never store a non-finite state; drop the pair instead.
                    good = np.isfinite(new_mean).all(axis=1) & np.isfinite(new_cov).all(axis=(1, 2))
                    self.numerical_failures += int(np.count_nonzero(~good))
                    rows, oj = rows[good], oj[good]
                    new_mean, new_cov = new_mean[good], new_cov[good]
                t.mean[rows] = new_mean
                t.cov[rows] = new_cov
                t.time_s[rows] = np.maximum(t.time_s[rows], time_s)
                t.last_update_s[rows] = np.maximum(t.last_update_s[rows], time_s)
                # A classification beats none: an area sensor's or a radar's "unknown"
                # never overwrites the class a camera gave the track.
                known = class_name[oj] != UNKNOWN_CLASS
                t.class_name[rows[known]] = class_name[oj][known]
                t.confidence[rows] = 0.7 * t.confidence[rows] + 0.3 * confidence[oj]
                matched[rows] = True
                out[oj] = t.site_track_id[rows]
                # The primary sensor keeps the track while it supports it; another one
                # takes over after the primary has been silent for a while.
                take = (t.primary[rows] == sensor) | (
                    t.primary_s[rows] < time_s - PRIMARY_HANDOFF_S
                )
                t.primary[rows[take]] = sensor
                t.primary_s[rows[take]] = np.maximum(t.primary_s[rows[take]], time_s)
        # M of N for tentative tracks this sensor has supported (or supports now). A
        # scanning sensor's scan is a miss only for the tracks its beam has passed over
        # since their last hit without a report (one look per revisit, not per plot).
        opportunity = np.flatnonzero(~t.confirmed & (t.seen_by[:, sensor] | matched))
        revisit_s = 0.0 if self._revisit_s is None else float(self._revisit_s[sensor])
        if revisit_s > 0 and opportunity.size:
            missed = self._initiator.missed_look(
                t.history[opportunity], time_s - t.last_update_s[opportunity], revisit_s
            )
            opportunity = opportunity[matched[opportunity] | missed]
        if opportunity.size:
            history = self._initiator.record(t.history[opportunity], matched[opportunity])
            t.history[opportunity] = history
            t.confirmed[opportunity] = self._initiator.confirmed(history)
        t.seen_by[matched, sensor] = True
        fresh = np.flatnonzero(out < 0)
        if fresh.size:
            ids = np.arange(self._next_id, self._next_id + fresh.size, dtype=np.int64)
            self._next_id += int(fresh.size)
            mean0, cov0 = self._initiator.initiate(z[fresh], noise[fresh])
            t.append(
                site_track_id=ids,
                mean=mean0,
                cov=cov0,
                time_s=time_s,
                sensor_index=sensor,
                class_name=class_name[fresh],
                confidence=confidence[fresh],
                confirmed=self._initiator.confirmed(np.ones(fresh.size, np.uint16)),
            )
            out[fresh] = ids
        sensor_id = self.registry.ids[sensor]
        record = self._provenance.record
        local = self._local
        for k, (site_id, lid) in enumerate(zip(out.tolist(), local_id.tolist(), strict=True)):
            record(site_id, sensor_id, time_s, lid)
            local.bind(sensor, lid, site_id, time_s, z[k])
        return out

    def _apply_local_bonus(
        self,
        cost: F64,
        cand: I64 | None,
        local_id: npt.NDArray[np.str_],
        sensor: int,
        *,
        z: F64,
        time_s: float,
        velocity: F64,
        rivals: npt.NDArray[np.bool_],
    ) -> None:
        """Lower the cost of (track, observation) pairs continuing a sensor-local id
        (``cand``: the table rows behind the rows of ``cost``, ``None`` for all rows;
        ``velocity``: their predicted velocities; ``rivals``: those that may compete).

        Ids break the ties the ground motion cannot (people walking together, a group
        splitting up). Not for a report that also gates with a rival coming the other
        way (``PASSING_MPS``): people passing each other are told apart by their own
        motion (they part at their summed speed) better than by an image tracker that
        sees them overlap and swaps them there (the demo's tower looking along their
        path). Nor for a report whose local id jumped (see
        :mod:`kordon.fusion.local_ids`)."""
        table = self._table
        sites = self._local.continuing(sensor, local_id.tolist(), z, time_s, self._velocity_of)
        obs_cols = np.flatnonzero(sites >= 0)
        if obs_cols.size == 0:
            return
        rows = np.searchsorted(table.site_track_id, sites[obs_cols])
        rows = np.minimum(rows, len(table) - 1)
        live = table.site_track_id[rows] == sites[obs_cols]
        # Only the track's primary sensor's ids count: two sensors each holding on to
        # their own binding could otherwise lock a swap in, each track then following one
        # person in one camera and the other person in the other.
        live &= table.primary[rows] == sensor
        if cand is None:
            track_rows, cols = rows[live], obs_cols[live]
        else:
            column = np.full(len(table), -1, np.int64)
            column[cand] = np.arange(cand.size)
            track_rows = column[rows[live]]
            ok = track_rows >= 0
            track_rows, cols = track_rows[ok], obs_cols[live][ok]
        if cols.size == 0:
            return
        gated = np.isfinite(cost[:, cols]) & rivals[:, None]
        # (T, K): each rival's velocity against the bound track's, per bound report
        vel = velocity[:, None, :]
        bound = velocity[track_rows][None, :, :]
        head_on = np.sum(vel * bound, axis=2) < 0.0
        dv = vel - bound
        apart = gated & head_on & (np.hypot(dv[..., 0], dv[..., 1]) > PASSING_MPS)
        alike = ~apart.any(axis=0)
        track_rows, cols = track_rows[alike], cols[alike]
        # ``inf - bonus`` stays ``inf``: pairs outside the gate stay outside.
        cost[track_rows, cols] -= self.config.local_id_bonus

    def _velocity_of(self, site_track_ids: I64) -> F64:
        """Each live track's velocity (m/s, (K, 2)); zero for an id no longer live."""
        table = self._table
        rows = np.minimum(np.searchsorted(table.site_track_id, site_track_ids), len(table) - 1)
        live = table.site_track_id[rows] == site_track_ids
        return np.where(live[:, None], table.mean[rows, 2:], 0.0)

    def _predict_all(self, time_s: float) -> tuple[F64, F64]:
        """Every track's mean (T, 4) and position covariance (T, 2, 2) at ``time_s`` (not
        before its last update)."""
        t = self._table
        dt = np.maximum(time_s - t.time_s, 0.0)
        if isinstance(self._predictor, ConstantVelocityPredictor):
            return self._predictor.predict_position(t.mean, t.cov, dt)
        mean, cov = self._predictor.predict(t.mean, t.cov, dt)
        return mean, np.ascontiguousarray(cov[:, :2, :2])

    def _delete(self, time_s: float, cov: F64) -> tuple[npt.NDArray[np.bool_], I64]:
        """Delete stale tracks (``cov``: every row's position covariance at ``time_s``);
        returns the rows kept (mask over the rows before) and the deleted ids."""
        t = self._table
        revisit_s = None
        if self._revisit_s is not None:
            # The longest revisit interval among the sensors that have supported each track.
            revisit_s = np.max(t.seen_by * self._revisit_s, axis=1, initial=0.0)
        gone = self._deleter.delete(time_s, t.last_update_s, t.confirmed, cov, revisit_s)
        if not gone.any():
            return ~gone, np.zeros(0, np.int64)
        deleted = t.site_track_id[gone].copy()
        for site_id in deleted.tolist():
            for sensor_id, local_ids in self._provenance.forget(site_id).items():
                sensor = self.registry.ids.index(sensor_id)
                for lid in local_ids:
                    self._local.forget(sensor, lid, site_id)
        t.keep(~gone)
        return ~gone, deleted

    def snapshot(self, time_s: float) -> SiteTracks:
        """Every live track estimated at ``time_s`` (not before its last update)."""
        mean, cov = self._predict_all(time_s)
        return self._snapshot(time_s, mean, cov)

    def _snapshot(self, time_s: float, mean: F64, cov: F64) -> SiteTracks:
        t = self._table
        if len(t) == 0:
            return SiteTracks.empty(time_s)
        return SiteTracks(
            time_s=time_s,
            site_track_id=t.site_track_id.copy(),
            east_north_m=np.ascontiguousarray(mean[:, :2]),
            velocity_mps=np.ascontiguousarray(mean[:, 2:]),
            position_cov_m2=cov,
            confirmed=t.confirmed.copy(),
            last_update_s=t.last_update_s.copy(),
            class_name=t.class_name.copy(),
            confidence=t.confidence.copy(),
            sensor_ids=self._provenance.sensors_of_many(t.site_track_id.tolist()),
        )
