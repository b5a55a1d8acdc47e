"""CAT048 monoradar target reports: UAP (edition 1.2x) and item decoding."""

from __future__ import annotations

from kordon.sensors.asterix.fields import NM_M, callsign, mode3a, signed_bits, time_of_day_s
from kordon.sensors.asterix.records import Cat048Record
from kordon.sensors.asterix.uap import (
    EXPLICIT_ITEM,
    Uap,
    compound,
    extended,
    fixed,
    repetitive,
)

UAP = Uap(
    48,
    (
        ("I048/010", fixed(2)),
        ("I048/140", fixed(3)),
        ("I048/020", extended()),
        ("I048/040", fixed(4)),
        ("I048/070", fixed(2)),
        ("I048/090", fixed(2)),
        ("I048/130", compound(*(fixed(1),) * 7)),
        ("I048/220", fixed(3)),
        ("I048/240", fixed(6)),
        ("I048/250", repetitive(8)),
        ("I048/161", fixed(2)),
        ("I048/042", fixed(4)),
        ("I048/200", fixed(4)),
        ("I048/170", extended()),
        ("I048/210", fixed(4)),
        ("I048/030", extended()),
        ("I048/080", fixed(2)),
        ("I048/100", fixed(4)),
        ("I048/110", fixed(2)),
        ("I048/120", compound(fixed(2), repetitive(6))),
        ("I048/230", fixed(2)),
        ("I048/260", fixed(7)),
        ("I048/055", fixed(1)),
        ("I048/050", fixed(2)),
        ("I048/065", fixed(1)),
        ("I048/060", fixed(2)),
        ("I048/SP", EXPLICIT_ITEM),
        ("I048/RE", EXPLICIT_ITEM),
    ),
)


def decode(data: bytes, items: dict[str, int], offset: int) -> Cat048Record:
    """Build the record from the item positions ``walk_record`` found."""
    sac = sic = None
    tod = rng = az = fl = x = y = gs = hdg = None
    typ = sim = m3a = addr = ident = tn = bds = None
    get = items.get
    p = get("I048/010")
    if p is not None:
        sac, sic = data[p], data[p + 1]
    p = get("I048/140")
    if p is not None:
        tod = time_of_day_s(data, p)
    p = get("I048/020")
    if p is not None:
        typ = data[p] >> 5
        sim = bool(data[p] & 0x10)
    p = get("I048/040")
    if p is not None:
        rng = ((data[p] << 8) | data[p + 1]) * (NM_M / 256.0)
        az = ((data[p + 2] << 8) | data[p + 3]) * (360.0 / 65536.0)
    p = get("I048/070")
    if p is not None:
        m3a = mode3a(data, p)
    p = get("I048/090")
    if p is not None:
        fl = signed_bits(((data[p] & 0x3F) << 8) | data[p + 1], 14) / 4.0
    p = get("I048/220")
    if p is not None:
        addr = data[p : p + 3].hex().upper()
    p = get("I048/240")
    if p is not None:
        ident = callsign(data, p)
    p = get("I048/250")
    if p is not None:
        bds = data[p]
    p = get("I048/161")
    if p is not None:
        tn = ((data[p] & 0x0F) << 8) | data[p + 1]
    p = get("I048/042")
    if p is not None:
        x = signed_bits((data[p] << 8) | data[p + 1], 16) * (NM_M / 128.0)
        y = signed_bits((data[p + 2] << 8) | data[p + 3], 16) * (NM_M / 128.0)
    p = get("I048/200")
    if p is not None:
        gs = ((data[p] << 8) | data[p + 1]) * (NM_M / 16384.0)
        hdg = ((data[p + 2] << 8) | data[p + 3]) * (360.0 / 65536.0)
    return Cat048Record(
        offset=offset,
        sac=sac,
        sic=sic,
        time_of_day_s=tod,
        items=tuple(items),
        target_type=typ,
        simulated=sim,
        range_m=rng,
        azimuth_deg=az,
        mode3a=m3a,
        flight_level=fl,
        aircraft_address=addr,
        callsign=ident,
        track_number=tn,
        x_m=x,
        y_m=y,
        ground_speed_mps=gs,
        heading_deg=hdg,
        bds_registers=bds,
    )
