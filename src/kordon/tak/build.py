"""``build_tak_service``: one ``cot`` notifier entry of a site file → a :class:`TakService`.

The entry is read through :class:`CotEntry` (the fields the ``cot`` notifier model has
once the lead adds them, see docs/tak.md); file paths are resolved against the site file.
Cameras, the border and the sectors come from the site (:mod:`kordon.tak.layers`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from kordon.bus.protocol import Bus
from kordon.config.site import SiteConfig
from kordon.domain.status import DeviceStatus
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.cot.inbound import FieldUnitPosition
from kordon.tak.layers import camera_points, sector_locator, site_drawings
from kordon.tak.service import TakService
from kordon.tak.settings import TakLayer, TakProtocol, TakSettings, TlsFiles


class CotEntry(Protocol):
    """What the wiring reads from a ``cot`` notifier entry."""

    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def protocol(self) -> str: ...
    @property
    def callsign(self) -> str: ...
    @property
    def layers(self) -> Sequence[str]: ...
    @property
    def ca_file(self) -> str | None: ...
    @property
    def client_cert_file(self) -> str | None: ...
    @property
    def client_key_file(self) -> str | None: ...
    @property
    def check_hostname(self) -> bool: ...
    @property
    def track_interval_s(self) -> float: ...
    @property
    def static_interval_s(self) -> float: ...
    @property
    def stale_s(self) -> float: ...
    @property
    def queue_size(self) -> int: ...
    @property
    def reconnect_min_s(self) -> float: ...
    @property
    def reconnect_max_s(self) -> float: ...
    @property
    def multicast_ttl(self) -> int: ...
    @property
    def multicast_interface(self) -> str | None: ...
    @property
    def listen_udp(self) -> str | None: ...
    @property
    def listen_group(self) -> str | None: ...


def settings_of(
    entry: CotEntry,
    *,
    site_id: str,
    resolve_path: Callable[[str], Path] = Path,
    key_password: str | None = None,
) -> TakSettings:
    """Typed settings of one entry (``TakSettingsError`` when they cannot work)."""

    def path(value: str | None) -> Path | None:
        return None if value is None else resolve_path(value)

    tls = None
    if entry.url.startswith("tls://"):
        tls = TlsFiles(
            ca_file=path(entry.ca_file),
            cert_file=path(entry.client_cert_file),
            key_file=path(entry.client_key_file),
            key_password=key_password,
            check_hostname=entry.check_hostname,
        )
    return TakSettings(
        notifier_id=entry.id,
        url=entry.url,
        uid_prefix=f"kordon.{site_id}",
        callsign=entry.callsign,
        protocol=TakProtocol(entry.protocol),
        tls=tls,
        layers=frozenset(TakLayer(layer) for layer in entry.layers),
        track_interval_s=entry.track_interval_s,
        static_interval_s=entry.static_interval_s,
        stale_s=entry.stale_s,
        queue_size=entry.queue_size,
        alarm_queue_size=entry.queue_size,
        reconnect_min_s=entry.reconnect_min_s,
        reconnect_max_s=entry.reconnect_max_s,
        multicast_ttl=entry.multicast_ttl,
        multicast_interface=entry.multicast_interface,
        listen_udp=entry.listen_udp,
        listen_group=entry.listen_group,
    )


def build_tak_service(
    entry: CotEntry,
    config: SiteConfig,
    geometry: SiteGeometry,
    bus: Bus,
    *,
    clock: Callable[[], datetime],
    on_field_unit: Callable[[FieldUnitPosition], None] | None = None,
    on_status: Callable[[DeviceStatus], None] | None = None,
    key_password: str | None = None,
) -> TakService:
    """The service of one ``cot`` entry, with the site's cameras, border and sectors."""
    settings = settings_of(
        entry,
        site_id=config.site.id,
        resolve_path=config.resolve_path,
        key_password=key_password,
    )
    return TakService(
        settings,
        bus,
        frame=geometry.frame,
        clock=clock,
        sensors=camera_points(config),
        drawings=site_drawings(config, geometry),
        locate_sector=sector_locator(geometry),
        on_field_unit=on_field_unit,
        on_status=on_status,
    )
