"""``MetricsCollector``: the node's numbers for Prometheus (``/metrics``, docs/integrations.md).

It takes the node's parts as small read-only callables and objects, reads them when
scraped and renders the text format (:mod:`kordon.notify.exposition`). Nothing here is
kept between scrapes: every value is the part's own counter or its latest report.

Cameras report their numbers in their device status (``fps``, ``frames``,
``decode_errors``, and per pipeline stage ``<stage>_ms`` / ``<stage>_p95_ms``), so the
collector reads the latest status of every device.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Protocol

from kordon.bus.inprocess import SubscriptionStats
from kordon.domain.incident import IncidentStatus
from kordon.domain.status import DeviceState, DeviceStatus
from kordon.notify.exposition import MetricFamily, render
from kordon.notify.health import Notifier
from kordon.site.picture import SitePictureCore

P95_SUFFIX = "_p95_ms"
MEAN_SUFFIX = "_ms"


class BusStats(Protocol):
    def subscription_stats(self) -> list[SubscriptionStats]: ...


class MetricsCollector:
    """Reads the node's parts when scraped; see the module docstring."""

    def __init__(
        self,
        *,
        devices: Callable[[], Sequence[DeviceStatus]],
        camera_ids: Collection[str] = (),
        bus: BusStats | None = None,
        incidents_by_status: Callable[[], Mapping[str, int]] | None = None,
        site: Callable[[], SitePictureCore | None] | None = None,
        notifiers: Sequence[Notifier] = (),
    ) -> None:
        self._devices = devices
        self._camera_ids = frozenset(camera_ids)
        self._bus = bus
        self._incidents = incidents_by_status
        self._site = site
        self._notifiers = list(notifiers)

    def render(self) -> str:
        """The exposition text (format 0.0.4)."""
        return render(self.collect())

    def collect(self) -> list[MetricFamily]:
        families = self._device_families()
        if self._bus is not None:
            families += self._bus_families(self._bus.subscription_stats())
        if self._incidents is not None:
            families.append(self._incident_family(self._incidents()))
        core = self._site() if self._site is not None else None
        if core is not None:
            families += self._site_families(core)
        families += self._notifier_families()
        return families

    def _device_families(self) -> list[MetricFamily]:
        state = MetricFamily(
            "kordon_device_state",
            "gauge",
            "1 for the state each device last reported (cameras, sensors, notifiers).",
        )
        up = MetricFamily(
            "kordon_camera_up", "gauge", "1 if the camera last reported online or degraded."
        )
        fps = MetricFamily("kordon_camera_fps", "gauge", "Frames analysed per second.")
        frames = MetricFamily(
            "kordon_camera_frames_total", "counter", "Frames analysed since the camera started."
        )
        skipped = MetricFamily(
            "kordon_camera_frames_skipped_total",
            "counter",
            "Frames skipped (analysis fell behind) since the camera started.",
        )
        errors = MetricFamily(
            "kordon_camera_decode_errors_total", "counter", "Undecodable frames or packets."
        )
        stage = MetricFamily(
            "kordon_camera_stage_ms",
            "gauge",
            "Pipeline stage time per frame over the recent window, ms (stat: mean or p95).",
        )
        for status in sorted(self._devices(), key=lambda s: s.device_id):
            for s in DeviceState:
                state.add(1.0 if status.state == s else 0.0, device=status.device_id, state=s)
            if status.device_id not in self._camera_ids:
                continue
            camera = status.device_id
            up.add(status.state in (DeviceState.ONLINE, DeviceState.DEGRADED), camera=camera)
            m = status.metrics
            if "fps" in m:
                fps.add(m["fps"], camera=camera)
            if "frames" in m:
                frames.add(m["frames"], camera=camera)
            if "frames_skipped" in m:
                skipped.add(m["frames_skipped"], camera=camera)
            if "decode_errors" in m:
                errors.add(m["decode_errors"], camera=camera)
            for key, value in sorted(m.items()):
                if key.endswith(P95_SUFFIX):
                    stage.add(value, camera=camera, stage=key[: -len(P95_SUFFIX)], stat="p95")
                elif key.endswith(MEAN_SUFFIX):
                    stage.add(value, camera=camera, stage=key[: -len(MEAN_SUFFIX)], stat="mean")
        return [state, up, fps, frames, skipped, errors, stage]

    @staticmethod
    def _bus_families(stats: Sequence[SubscriptionStats]) -> list[MetricFamily]:
        depth = MetricFamily(
            "kordon_bus_queue_depth", "gauge", "Messages waiting in a bus subscription's queue."
        )
        capacity = MetricFamily(
            "kordon_bus_queue_capacity", "gauge", "Size of a bus subscription's queue."
        )
        dropped = MetricFamily(
            "kordon_bus_dropped_total",
            "counter",
            "Messages a bus subscription lost because it fell behind (oldest dropped).",
        )
        for index, s in enumerate(stats):
            labels = {"subscription": str(index), "topics": ",".join(sorted(s.topics))}
            depth.add(s.depth, **labels)
            capacity.add(s.capacity, **labels)
            dropped.add(s.dropped, **labels)
        return [depth, capacity, dropped]

    @staticmethod
    def _incident_family(counts: Mapping[str, int]) -> MetricFamily:
        family = MetricFamily("kordon_incidents", "gauge", "Incidents by lifecycle state.")
        for status in IncidentStatus:
            family.add(counts.get(status.value, 0), state=status.value)
        return family

    @staticmethod
    def _site_families(core: SitePictureCore) -> list[MetricFamily]:
        scans = MetricFamily(
            "kordon_site_scans_total", "counter", "Sensor scans received by the site picture."
        )
        scans.add(core.scans)
        rejected_scans = MetricFamily(
            "kordon_site_rejected_scans_total",
            "counter",
            "Scans the site picture refused (unknown sensor, bad data).",
        )
        rejected_scans.add(core.rejected_scans)
        steps = MetricFamily("kordon_site_steps_total", "counter", "Site tracker steps run.")
        steps.add(core.steps)
        rejected = MetricFamily(
            "kordon_fusion_rejected_observations_total",
            "counter",
            "Observations the site tracker rejected, by reason.",
        )
        for reason, count in sorted(core.tracker.counters.by_reason().items()):
            rejected.add(count, reason=reason.name.lower())
        numerical = MetricFamily(
            "kordon_fusion_numerical_failures_total",
            "counter",
            "Track updates skipped for a numerical failure.",
        )
        numerical.add(core.tracker.numerical_failures)
        return [scans, rejected_scans, steps, rejected, numerical]

    def _notifier_families(self) -> list[MetricFamily]:
        connected = MetricFamily(
            "kordon_notifier_connected",
            "gauge",
            "1 while the notifier's receiver is reachable (MQTT connected, webhook delivering).",
        )
        depth = MetricFamily("kordon_notifier_queue_depth", "gauge", "Messages waiting to be sent.")
        capacity = MetricFamily(
            "kordon_notifier_queue_capacity", "gauge", "Size of the notifier's queue."
        )
        sent = MetricFamily("kordon_notifier_sent_total", "counter", "Messages delivered.")
        dropped = MetricFamily(
            "kordon_notifier_dropped_total",
            "counter",
            "Messages never delivered: refused with the queue full, or given up after retries.",
        )
        dropped_tracks = MetricFamily(
            "kordon_notifier_dropped_tracks_total",
            "counter",
            "Track updates dropped oldest-first to make room in the queue.",
        )
        failures = MetricFamily(
            "kordon_notifier_failures_total", "counter", "Failed delivery attempts."
        )
        for notifier in self._notifiers:
            h = notifier.health()
            labels = {"notifier": h.notifier_id, "kind": h.kind}
            connected.add(h.connected, **labels)
            depth.add(h.queue_depth, **labels)
            capacity.add(h.queue_capacity, **labels)
            sent.add(h.sent, **labels)
            dropped.add(h.dropped, **labels)
            dropped_tracks.add(h.dropped_tracks, **labels)
            failures.add(h.failures, **labels)
        return [connected, depth, capacity, sent, dropped, dropped_tracks, failures]
