"""What the node builds once its store is open: the incident service, the equipment
register, the demo data of a demo site, and the first admin account."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from kordon.accounts.demo import ensure_demo_admin
from kordon.accounts.first_password import hand_over_password
from kordon.compose.slots import IncidentSlot, RegisterSlot, UnitRegister
from kordon.config.models import SiteConfig
from kordon.domain.incident import Incident
from kordon.incidents.alerts import IncidentAlert
from kordon.incidents.correlator import CorrelationPolicy, Correlator
from kordon.incidents.service import IncidentService
from kordon.incidents.sla import SlaPolicy
from kordon.register.context import RegisterContext
from kordon.register.demo import DemoCamera, seed_demo
from kordon.register.photos import PhotoStore
from kordon.register.site import SiteDevices
from kordon.services.evidence_log import EvidenceLog
from kordon.store.store import Store
from kordon.units.demo import seed_demo_units
from kordon.video.source.clock import Clock

logger = logging.getLogger("kordon.app")  # the composition root's log lines keep its name


def start_incidents(
    config: SiteConfig,
    *,
    store: Callable[[], Store],
    data_dir: Path,
    evidence: EvidenceLog,
    clock: Clock,
    publish_incident: Callable[[Incident], None],
    publish_alert: Callable[[IncidentAlert], None],
    incidents: IncidentSlot,
    register: RegisterSlot,
    units: UnitRegister,
) -> None:
    """Fill ``incidents`` and ``register``; in a demo site seed the register and the patrol
    units; on the first start create the admin account and hand its password over."""
    settings = config.incidents
    incidents.service = IncidentService(
        store(),
        publish_incident,
        alert_publish=publish_alert,
        audit=evidence,
        correlator=Correlator(
            CorrelationPolicy(
                window_s=settings.correlation_window_s,
                radius_m=settings.correlation_radius_m,
            )
        ),
        sla=SlaPolicy(ack_s=settings.sla.by_priority()),
    )
    register.context = RegisterContext.build(
        store().sessions,
        evidence,
        photos=PhotoStore(data_dir / "register" / "photos"),
        site=SiteDevices.of_site(config),
    )
    if config.site.demo:
        seed_demo(
            register.context.service,
            cameras=[DemoCamera(c.id, c.sector) for c in config.cameras],
            sector_ids=[s.id for s in config.sectors],
            time=clock.now(),
        )
        seed_demo_units(
            units.get(),
            sectors=[(s.id, s.name) for s in config.sectors],
            time=clock.now(),
        )
    password = ensure_demo_admin(store(), time=clock.now())
    if password is not None:
        evidence.record(
            "system", "user.create", "user:admin", "done", {"role": "admin"}, clock.now()
        )
        # Only its hash is stored; the password itself never goes through logging.
        handover = hand_over_password("admin", password, directory=data_dir, terminal=sys.stderr)
        logger.warning(
            "first start: created user 'admin'; its password is in %s (readable only by "
            "this account%s): change it with `kordon user reset-password`, then delete it",
            handover.path,
            ", and printed on the terminal" if handover.on_terminal else "",
        )
