"""Who the node tells: its notifiers (MQTT, webhooks), its TAK services and, in a demo
site, the simulated phones that report to them."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from kordon.bus.inprocess import InProcessBus
from kordon.compose.slots import UnitRegister
from kordon.config.models import SiteConfig
from kordon.domain.errors import KordonError
from kordon.domain.status import DeviceStatus
from kordon.geo.site_geometry import SiteGeometry
from kordon.lifecycle import Service
from kordon.node_errors import NodeBuildError
from kordon.notify.factory import NotifierService, build_notifiers
from kordon.sim.tak_phone import SimulatedTakPhones
from kordon.tak.service import TakService
from kordon.units.positions import FieldReport, store_report_or_log
from kordon.video.source.clock import Clock
from kordon.wiring.tak import tak_services
from kordon.wiring.tak_phones import simulated_phones


@dataclass(frozen=True)
class Outbound:
    """The notifiers and TAK services (also the metrics' notifiers), and the demo phones."""

    notifiers: list[NotifierService]
    taks: list[TakService]
    phones: list[SimulatedTakPhones]

    @property
    def services(self) -> list[Service]:
        """In the order they start: the phones after the TAK services (their port)."""
        return [*self.notifiers, *self.taks, *self.phones]


def outbound(
    config: SiteConfig,
    geometry: SiteGeometry,
    bus: InProcessBus,
    *,
    clock: Clock,
    record_status: Callable[[DeviceStatus], None],
    units: UnitRegister,
) -> Outbound:
    """The node's outbound services; TAK field units' positions go to the unit register."""
    try:
        notifiers = build_notifiers(
            config.notifiers,
            bus,
            site_id=config.site.id,
            environ=os.environ,
            clock=clock.now,
            resolve_path=config.resolve_path,
            on_status=record_status,
        )
    except KordonError as exc:
        raise NodeBuildError(f"notifiers: {exc}") from exc

    def field_unit_position(report: FieldReport) -> None:
        store_report_or_log(units.get(), report)

    taks = tak_services(
        config,
        geometry,
        bus,
        clock=clock.now,
        on_status=record_status,
        on_field_unit=field_unit_position,
    )
    phones = simulated_phones(config, geometry, taks, lambda: units.get().list(), clock=clock)
    return Outbound(notifiers=notifiers, taks=taks, phones=phones)
