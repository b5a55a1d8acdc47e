"""CAT062 SDPS system tracks: UAP (edition 1.18/1.19) and key item decoding."""

from __future__ import annotations

from kordon.sensors.asterix.fields import (
    callsign,
    mode3a,
    s,
    signed_bits,
    time_of_day_s,
    u,
)
from kordon.sensors.asterix.records import Cat062Record
from kordon.sensors.asterix.uap import (
    EXPLICIT_ITEM,
    ItemFormat,
    Uap,
    compound,
    extended,
    fixed,
    repetitive,
)

_ONE = fixed(1)
_TWO = fixed(2)

I380 = compound(
    fixed(3), fixed(6), _TWO, _TWO, _TWO, _TWO, _TWO,  # ADR ID MHG IAS TAS SAL FSS
    _ONE, repetitive(15), _TWO, _TWO, fixed(7), _TWO, _TWO,  # TIS TID COM SAB ACS BVR GVR
    _TWO, _TWO, _TWO, _TWO, _ONE, fixed(8), _ONE,  # RAN TAR TAN GSP VUN MET EMC
    fixed(6), _TWO, _ONE, repetitive(8), _TWO, _TWO, _TWO,  # POS GAL PUN MB IAR MAC BPS
)  # fmt: skip
"""I062/380 aircraft derived data; subfield 1 (ADR) and 2 (ID) are decoded."""
I290 = compound(_ONE, _ONE, _ONE, _ONE, _TWO, _ONE, _ONE, _ONE, _ONE, _ONE)
I295 = compound(*(_ONE,) * 31)
I390 = compound(
    _TWO, fixed(7), fixed(4), _ONE, fixed(4), _ONE, fixed(4),  # TAG CSN IFI FCT TAC WTC DEP
    fixed(4), fixed(3), _TWO, _TWO, repetitive(4), fixed(6), _ONE,  # DST RDS CFL CTL TOD AST STS
    fixed(7), fixed(7), _TWO, fixed(7),  # STD STA PEM PEC
)  # fmt: skip
I110 = compound(_ONE, fixed(4), fixed(6), _TWO, _TWO, _ONE, _ONE)
I500 = compound(fixed(4), _TWO, fixed(4), _ONE, _ONE, _TWO, _TWO, _ONE)
I340 = compound(_TWO, fixed(4), _TWO, _TWO, _TWO, _ONE)

_UAP_ITEMS: tuple[tuple[str, ItemFormat] | None, ...] = (
    ("I062/010", _TWO),
    None,
    ("I062/015", _ONE),
    ("I062/070", fixed(3)),
    ("I062/105", fixed(8)),
    ("I062/100", fixed(6)),
    ("I062/185", fixed(4)),
    ("I062/210", _TWO),
    ("I062/060", _TWO),
    ("I062/245", fixed(7)),
    ("I062/380", I380),
    ("I062/040", _TWO),
    ("I062/080", extended()),
    ("I062/290", I290),
    ("I062/200", _ONE),
    ("I062/295", I295),
    ("I062/136", _TWO),
    ("I062/130", _TWO),
    ("I062/135", _TWO),
    ("I062/220", _TWO),
    ("I062/390", I390),
    ("I062/270", extended()),
    ("I062/300", _ONE),
    ("I062/110", I110),
    ("I062/120", _TWO),
    ("I062/510", extended(3)),
    ("I062/500", I500),
    ("I062/340", I340),
    None,
    None,
    None,
    None,
    None,
    ("I062/RE", EXPLICIT_ITEM),
    ("I062/SP", EXPLICIT_ITEM),
)
UAP = Uap(62, _UAP_ITEMS)

_LATLON = 180.0 / (1 << 25)


def _i380(data: bytes, p: int) -> tuple[str | None, str | None]:
    """Aircraft address and callsign from I062/380 subfields ADR and ID (the first two)."""
    primary = data[p]
    q = p + 1
    while data[q - 1] & 1:  # skip the rest of the primary subfield
        q += 1
    addr = ident = None
    if primary & 0x80:
        addr = f"{u(data, q, 3):06X}"
        q += 3
    if primary & 0x40:
        ident = callsign(data, q)
    return addr, ident


def decode(data: bytes, items: dict[str, int], offset: int) -> Cat062Record:
    """Build the record from the item positions ``walk_record`` found."""
    sac = sic = sid = tod = lat = lon = x = y = vx = vy = tn = m3a = None
    ident = addr = fl = gal = bal = roc = mon = cst = None
    p = items.get("I062/010")
    if p is not None:
        sac, sic = data[p], data[p + 1]
    p = items.get("I062/015")
    if p is not None:
        sid = data[p]
    p = items.get("I062/070")
    if p is not None:
        tod = time_of_day_s(data, p)
    p = items.get("I062/105")
    if p is not None:
        lat = s(data, p, 4) * _LATLON
        lon = s(data, p + 4, 4) * _LATLON
    p = items.get("I062/100")
    if p is not None:
        x = s(data, p, 3) * 0.5
        y = s(data, p + 3, 3) * 0.5
    p = items.get("I062/185")
    if p is not None:
        vx = s(data, p, 2) * 0.25
        vy = s(data, p + 2, 2) * 0.25
    p = items.get("I062/060")
    if p is not None:
        m3a = mode3a(data, p)
    p = items.get("I062/245")
    if p is not None:
        ident = callsign(data, p + 1)
    p = items.get("I062/380")
    if p is not None:
        addr, ident380 = _i380(data, p)
        ident = ident if ident is not None else ident380
    p = items.get("I062/040")
    if p is not None:
        tn = u(data, p, 2)
    p = items.get("I062/080")
    if p is not None:
        mon = bool(data[p] & 0x80)
        if data[p] & 1 and data[p + 1] & 1 and data[p + 2] & 1:  # CST is in octet 4
            cst = bool(data[p + 3] & 0x80)
    p = items.get("I062/136")
    if p is not None:
        fl = s(data, p, 2) / 4.0
    p = items.get("I062/130")
    if p is not None:
        gal = s(data, p, 2) * 6.25
    p = items.get("I062/135")
    if p is not None:
        bal = signed_bits(u(data, p, 2) & 0x7FFF, 15) / 4.0
    p = items.get("I062/220")
    if p is not None:
        roc = s(data, p, 2) * 6.25
    return Cat062Record(
        offset=offset,
        sac=sac,
        sic=sic,
        time_of_day_s=tod,
        items=tuple(items),
        service_id=sid,
        lat=lat,
        lon=lon,
        x_m=x,
        y_m=y,
        vx_mps=vx,
        vy_mps=vy,
        track_number=tn,
        mode3a=m3a,
        callsign=ident,
        aircraft_address=addr,
        flight_level=fl,
        geometric_altitude_ft=gal,
        barometric_altitude_fl=bal,
        rate_of_climb_ftpm=roc,
        mono_sensor=mon,
        coasting=cst,
    )
