"""The shared core of the incident service: its collaborators, transactions, publishing."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kordon.domain.incident import Incident
from kordon.incidents.alerts import IncidentAlert
from kordon.incidents.correlator import Correlator
from kordon.incidents.model import AuditHook, no_audit
from kordon.incidents.priority import PriorityPolicy
from kordon.incidents.sla import SlaPolicy
from kordon.store import Store
from kordon.store.events import EventRepository
from kordon.store.incident_extras import IncidentExtras, IncidentExtrasRepository
from kordon.store.incidents import IncidentRepository
from kordon.store.session import shared_transaction, translate_errors

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServiceTx:
    events: EventRepository
    incidents: IncidentRepository
    extras: IncidentExtrasRepository


Change = Callable[[Incident, IncidentExtras], tuple[Incident, IncidentExtras]]


class ServiceCore:
    """What every part of the incident service shares (built once, cheap, no I/O)."""

    def __init__(
        self,
        store: Store,
        bus_publish: Callable[[Incident], None],
        *,
        alert_publish: Callable[[IncidentAlert], None] | None = None,
        audit: AuditHook | None = None,
        correlator: Correlator | None = None,
        priority: PriorityPolicy | None = None,
        sla: SlaPolicy | None = None,
    ) -> None:
        self._store = store
        self._publish_one = bus_publish
        self._publish_alert_one = alert_publish
        self._audit: AuditHook = audit or no_audit
        self._correlator = correlator or Correlator()
        self._priority = priority or PriorityPolicy()
        self._sla = sla or SlaPolicy()

    # --- plumbing -----------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[ServiceTx]:
        with translate_errors("incident service"), self._store.sessions.begin() as session:
            scope = shared_transaction(session)
            yield ServiceTx(
                events=EventRepository(scope),
                incidents=IncidentRepository(scope),
                extras=IncidentExtrasRepository(scope),
            )

    def _publish(self, incident: Incident) -> None:
        try:
            self._publish_one(incident)
        except Exception:
            logger.exception("publishing incident %s failed; it is stored", incident.id)

    def _publish_alert(self, alert: IncidentAlert) -> None:
        if self._publish_alert_one is None:
            return
        try:
            self._publish_alert_one(alert)
        except Exception:
            logger.exception("publishing the alert of incident %s failed", alert.incident_id)
