"""The TAK layers of the Volyn example site: cameras, border and sectors, sector places."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kordon.bus.inprocess import InProcessBus
from kordon.config.loader import load_site
from kordon.geo.site_geometry import SiteGeometry
from kordon.interop.cot.encode import to_takproto, to_xml
from kordon.interop.cot.site import UidScheme, drawing_event, sensor_event
from kordon.interop.cot.stream import parse_events
from kordon.tak.build import build_tak_service, settings_of
from kordon.tak.layers import camera_points, camera_range_m, sector_locator, site_drawings
from kordon.tak.settings import TakLayer, TakProtocol, TakSettingsError

SITE = Path(__file__).resolve().parents[2] / "examples" / "volyn" / "site.yaml"
T = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def test_volyn_layers_encode_and_parse() -> None:
    config = load_site(SITE)
    geometry = SiteGeometry.from_config(config)
    cameras = camera_points(config)
    assert [c.sensor_id for c in cameras] == [c.id for c in config.cameras if c.enabled]
    first = config.cameras[0].georeference
    assert cameras[0].azimuth_deg == first.yaw_deg  # type: ignore[union-attr]
    drawings = site_drawings(config, geometry)
    assert [d.drawing_id for d in drawings] == ["border-ua-by"] + [
        f"sector-{s.id}" for s in config.sectors
    ]
    uids = UidScheme("kordon.volyn")
    events = [sensor_event(c, uids=uids, now=T, stale_s=60.0) for c in cameras]
    events += [drawing_event(d, uids=uids, now=T, stale_s=60.0) for d in drawings]
    data = b"".join(to_xml(e) for e in events)
    parsed = parse_events(data)
    assert [p.uid for p in parsed] == [e.uid for e in events]
    for e in events:
        assert (
            parse_events(to_xml(e))[0]
            == parse_events(bytes((0xBF, 0x01, 0xBF)) + to_takproto(e))[0]
        )
    locate = sector_locator(geometry)
    place = locate(config.sectors[0].id)
    assert place is not None
    assert place.uncertainty_m is not None
    assert place.uncertainty_m > 0
    assert (
        geometry.sectors.sector_of(geometry.frame.lonlat_to_xy([[place.lon, place.lat]]))[0]
        == config.sectors[0].id
    )
    assert locate("no-such-sector") is None


@pytest.mark.parametrize(
    ("height", "pitch", "expected"),
    [
        (10.0, -45.0, 10.0),
        (30.0, 0.0, 2_000.0),
        (300.0, -0.6, 20_000.0),
        (100.0, -0.6, 100.0 / math.tan(math.radians(0.6))),
    ],
)
def test_camera_range(height: float, pitch: float, expected: float) -> None:
    assert camera_range_m(height, pitch) == pytest.approx(expected)
    assert math.isfinite(camera_range_m(height, pitch))


@dataclass(frozen=True)
class Entry:
    """A ``cot`` notifier entry as the lead's model will have it (see docs/tak.md)."""

    id: str = "tak"
    url: str = "tls://tak.example:8089"
    protocol: str = "proto"
    callsign: str = "Kordon Volyn"
    layers: tuple[str, ...] = ("tracks", "incidents")
    ca_file: str | None = "pki/ca.pem"
    client_cert_file: str | None = "pki/kordon.pem"
    client_key_file: str | None = "pki/kordon.key"
    check_hostname: bool = True
    track_interval_s: float = 2.0
    static_interval_s: float = 30.0
    stale_s: float = 20.0
    queue_size: int = 500
    reconnect_min_s: float = 2.0
    reconnect_max_s: float = 30.0
    multicast_ttl: int = 1
    multicast_interface: str | None = None
    listen_udp: str | None = "0.0.0.0:6969"
    listen_group: str | None = "239.2.3.1"


def test_settings_and_service_from_an_entry() -> None:
    config = load_site(SITE)
    geometry = SiteGeometry.from_config(config)
    bus = InProcessBus()
    service = build_tak_service(Entry(), config, geometry, bus, clock=lambda: T)
    s = service.settings
    assert (s.notifier_id, s.uid_prefix, s.protocol, s.layers) == (
        "tak",
        f"kordon.{config.site.id}",
        TakProtocol.PROTO,
        frozenset({TakLayer.TRACKS, TakLayer.INCIDENTS}),
    )
    assert s.tls is not None
    assert s.tls.ca_file == SITE.parent / "pki" / "ca.pem"
    assert s.tls.key_file == SITE.parent / "pki" / "kordon.key"
    assert (s.track_interval_s, s.queue_size, s.listen_udp) == (2.0, 500, "0.0.0.0:6969")
    assert service.name == "notifier-tak"
    with pytest.raises(ValueError, match="'bogus'"):
        settings_of(Entry(layers=("bogus",)), site_id="x")
    with pytest.raises(TakSettingsError, match="both"):
        settings_of(Entry(client_key_file=None), site_id="x")
    plain = settings_of(Entry(url="udp://239.2.3.1:6969", ca_file=None), site_id="x")
    assert plain.tls is None
    assert plain.endpoint.is_multicast
