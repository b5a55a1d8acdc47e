"""CAT034 monoradar service messages (north marker, sector crossing): UAP and decoding."""

from __future__ import annotations

from kordon.sensors.asterix.fields import NM_M, s, time_of_day_s, u
from kordon.sensors.asterix.records import Cat034Record
from kordon.sensors.asterix.uap import EXPLICIT_ITEM, Uap, compound, fixed, repetitive

UAP = Uap(
    34,
    (
        ("I034/010", fixed(2)),
        ("I034/000", fixed(1)),
        ("I034/030", fixed(3)),
        ("I034/020", fixed(1)),
        ("I034/041", fixed(2)),
        # COM, spare, spare, PSR, SSR, MDS (2 octets), spare
        ("I034/050", compound(fixed(1), None, None, fixed(1), fixed(1), fixed(2), None)),
        # COM, spare, spare, PSR, SSR, MDS, spare
        ("I034/060", compound(fixed(1), None, None, fixed(1), fixed(1), fixed(1), None)),
        ("I034/070", repetitive(2)),
        ("I034/100", fixed(8)),
        ("I034/110", fixed(1)),
        ("I034/120", fixed(8)),
        ("I034/090", fixed(2)),
        ("I034/RE", EXPLICIT_ITEM),
        ("I034/SP", EXPLICIT_ITEM),
    ),
)

_LATLON = 180.0 / (1 << 23)


def decode(data: bytes, items: dict[str, int], offset: int) -> Cat034Record:
    """Build the record from the item positions ``walk_record`` found."""
    sac = sic = tod = mtype = sector = period = height = lat = lon = rerr = aerr = None
    p = items.get("I034/010")
    if p is not None:
        sac, sic = data[p], data[p + 1]
    p = items.get("I034/000")
    if p is not None:
        mtype = data[p]
    p = items.get("I034/030")
    if p is not None:
        tod = time_of_day_s(data, p)
    p = items.get("I034/020")
    if p is not None:
        sector = data[p] * (360.0 / 256.0)
    p = items.get("I034/041")
    if p is not None:
        period = u(data, p, 2) / 128.0
    p = items.get("I034/120")
    if p is not None:
        height = float(s(data, p, 2))
        lat = s(data, p + 2, 3) * _LATLON
        lon = s(data, p + 5, 3) * _LATLON
    p = items.get("I034/090")
    if p is not None:
        rerr = s(data, p, 1) / 128.0 * NM_M
        aerr = s(data, p + 1, 1) * (360.0 / 16384.0)
    return Cat034Record(
        offset=offset,
        sac=sac,
        sic=sic,
        time_of_day_s=tod,
        items=tuple(items),
        message_type=mtype,
        sector_deg=sector,
        antenna_period_s=period,
        height_m=height,
        lat=lat,
        lon=lon,
        range_error_m=rerr,
        azimuth_error_deg=aerr,
    )
