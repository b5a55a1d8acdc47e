"""TAK in the node: one Cursor-on-Target service per ``cot`` notifier entry.

Each service sends the site picture (fused tracks, incidents as alarms, drones, cameras,
the border and sectors) to its TAK server or multicast group, and reads field units'
positions back into the patrol-unit register (docs/tak.md, docs/units.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from kordon.bus.protocol import Bus
from kordon.config.integrations import CotNotifier
from kordon.config.models import SiteConfig
from kordon.domain.errors import KordonError
from kordon.domain.status import DeviceStatus
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.cot.inbound import FieldUnitPosition
from kordon.node_errors import NodeBuildError
from kordon.tak.build import build_tak_service
from kordon.tak.service import TakService


def tak_services(
    config: SiteConfig,
    geometry: SiteGeometry,
    bus: Bus,
    *,
    clock: Callable[[], datetime],
    on_status: Callable[[DeviceStatus], None],
    on_field_unit: Callable[[FieldUnitPosition], None],
) -> list[TakService]:
    """The TAK services of the site's ``cot`` notifiers (none when it has none)."""
    out: list[TakService] = []
    for entry in config.notifiers:
        if not isinstance(entry, CotNotifier):
            continue
        try:
            out.append(
                build_tak_service(
                    entry,
                    config,
                    geometry,
                    bus,
                    clock=clock,
                    on_status=on_status,
                    on_field_unit=on_field_unit,
                )
            )
        except KordonError as exc:
            raise NodeBuildError(f"cot notifier {entry.id!r}: {exc}") from exc
    return out
