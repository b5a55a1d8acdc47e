"""CAT021 ADS-B target reports: UAP (edition 2.x) and key item decoding."""

from __future__ import annotations

from kordon.sensors.asterix.fields import callsign, mode3a, s, time_of_day_s, u
from kordon.sensors.asterix.records import Cat021Record
from kordon.sensors.asterix.uap import (
    EXPLICIT_ITEM,
    Uap,
    compound,
    extended,
    fixed,
    repetitive,
)

_ONE = fixed(1)
_TWO = fixed(2)
_THREE = fixed(3)
_FOUR = fixed(4)

UAP = Uap(
    21,
    (
        ("I021/010", _TWO),
        ("I021/040", extended()),
        ("I021/161", _TWO),
        ("I021/015", _ONE),
        ("I021/071", _THREE),
        ("I021/130", fixed(6)),
        ("I021/131", fixed(8)),
        ("I021/072", _THREE),
        ("I021/150", _TWO),
        ("I021/151", _TWO),
        ("I021/080", _THREE),
        ("I021/073", _THREE),
        ("I021/074", _FOUR),
        ("I021/075", _THREE),
        ("I021/076", _FOUR),
        ("I021/140", _TWO),
        ("I021/090", extended()),
        ("I021/210", _ONE),
        ("I021/070", _TWO),
        ("I021/230", _TWO),
        ("I021/145", _TWO),
        ("I021/152", _TWO),
        ("I021/200", _ONE),
        ("I021/155", _TWO),
        ("I021/157", _TWO),
        ("I021/160", _FOUR),
        ("I021/165", _TWO),
        ("I021/077", _THREE),
        ("I021/170", fixed(6)),
        ("I021/020", _ONE),
        ("I021/220", compound(_TWO, _TWO, _TWO, _ONE)),  # WS WD TMP TRB
        ("I021/146", _TWO),
        ("I021/148", _TWO),
        ("I021/110", compound(extended(), repetitive(15))),  # TIS TID
        ("I021/016", _ONE),
        ("I021/008", _ONE),
        ("I021/271", extended()),
        ("I021/132", _ONE),
        ("I021/250", repetitive(8)),
        ("I021/260", fixed(7)),
        ("I021/400", _ONE),
        ("I021/295", compound(*(_ONE,) * 23)),
        None,
        None,
        None,
        None,
        None,
        ("I021/RE", EXPLICIT_ITEM),
        ("I021/SP", EXPLICIT_ITEM),
    ),
)


def _time(data: bytes, items: dict[str, int], name: str) -> float | None:
    p = items.get(name)
    return None if p is None else time_of_day_s(data, p)


def decode(data: bytes, items: dict[str, int], offset: int) -> Cat021Record:
    """Build the record; ``time_of_day_s`` is the first of 073, 071, 075, 077 present."""
    sac = sic = tn = lat = lon = addr = ident = gh = fl = m3a = ecat = None
    p = items.get("I021/010")
    if p is not None:
        sac, sic = data[p], data[p + 1]
    p = items.get("I021/161")
    if p is not None:
        tn = u(data, p, 2) & 0x0FFF
    p = items.get("I021/131")
    if p is not None:
        lat = s(data, p, 4) * (180.0 / (1 << 30))
        lon = s(data, p + 4, 4) * (180.0 / (1 << 30))
    else:
        p = items.get("I021/130")
        if p is not None:
            lat = s(data, p, 3) * (180.0 / (1 << 23))
            lon = s(data, p + 3, 3) * (180.0 / (1 << 23))
    p = items.get("I021/080")
    if p is not None:
        addr = f"{u(data, p, 3):06X}"
    p = items.get("I021/170")
    if p is not None:
        ident = callsign(data, p)
    p = items.get("I021/140")
    if p is not None:
        gh = s(data, p, 2) * 6.25
    p = items.get("I021/145")
    if p is not None:
        fl = s(data, p, 2) / 4.0
    p = items.get("I021/070")
    if p is not None:
        m3a = mode3a(data, p)
    p = items.get("I021/020")
    if p is not None:
        ecat = data[p]
    t071 = _time(data, items, "I021/071")
    t073 = _time(data, items, "I021/073")
    t075 = _time(data, items, "I021/075")
    t077 = _time(data, items, "I021/077")
    tod = next((t for t in (t073, t071, t075, t077) if t is not None), None)
    return Cat021Record(
        offset=offset,
        sac=sac,
        sic=sic,
        time_of_day_s=tod,
        items=tuple(items),
        track_number=tn,
        lat=lat,
        lon=lon,
        aircraft_address=addr,
        callsign=ident,
        geometric_height_ft=gh,
        flight_level=fl,
        mode3a=m3a,
        emitter_category=ecat,
        time_applicability_position_s=t071,
        time_reception_position_s=t073,
        time_reception_velocity_s=t075,
        time_report_transmission_s=t077,
    )
