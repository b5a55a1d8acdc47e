"""The node's periodic jobs besides retention: incident escalations, the retry of events
the store could not write, the device watch and the scheduled reports."""

from __future__ import annotations

from collections.abc import Callable

from kordon.compose.events import EventPath
from kordon.compose.slots import IncidentSlot
from kordon.services.maintenance import PeriodicTask
from kordon.video.source.clock import Clock


def periodic_jobs(
    *,
    incidents: IncidentSlot,
    events: EventPath,
    reports: Callable[[], None],
    clock: Clock,
) -> list[PeriodicTask]:
    """The jobs, in the order they start."""
    return [
        PeriodicTask(
            "escalations",
            lambda: incidents.get().check_escalations(clock.now()),
            every_s=5.0,
        ),
        PeriodicTask("event-retry", events.pending_events.flush, every_s=5.0),
        PeriodicTask("device-watch", lambda: events.device_watch.check(clock.now()), every_s=5.0),
        PeriodicTask("reports", reports, every_s=600.0),
    ]
