"""The demo's simulated ATAK phones: the patrol units walk their sectors and report to the
node's own CoT listener, so ``make run`` shows TAK positions on the map (docs/tak.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kordon.config.models import SiteConfig
from kordon.geo.site_geometry import SiteGeometry
from kordon.sim.tak_phone import PatrolUnit, SimulatedTakPhones, phones_for
from kordon.tak.service import TakService
from kordon.tak.settings import host_port
from kordon.video.source.clock import Clock


def simulated_phones(
    config: SiteConfig,
    geometry: SiteGeometry,
    taks: Sequence[TakService],
    units: Callable[[], Sequence[PatrolUnit]],
    *,
    clock: Clock,
) -> list[SimulatedTakPhones]:
    """In a demo site, a phone per registered unit (read at start), sending to the UDP
    listener of the first TAK service that has one; none otherwise. Start it after the
    TAK services: the listener's port is read then (it may be 0 in the site file)."""
    if not config.site.demo:
        return []
    for tak in taks:
        if tak.settings.listen_udp is None:
            continue

        host = host_port(tak.settings.listen_udp)[0]
        host = "127.0.0.1" if host == "0.0.0.0" else host

        def address(tak: TakService = tak, host: str = host) -> tuple[str, int] | None:
            port = tak.transport.listen_port
            return None if port is None else (host, port)

        return [
            SimulatedTakPhones(
                lambda: phones_for(units(), config, geometry), address=address, clock=clock
            )
        ]
    return []
