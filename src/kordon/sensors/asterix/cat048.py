"""CAT048 monoradar target reports: UAP (edition 1.2x) and item decoding."""

from __future__ import annotations

import struct

from kordon.sensors.asterix.fields import NM_M, callsign, mode3a, signed_bits
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


_HH = struct.Struct(">HH").unpack_from
_hh = struct.Struct(">hh").unpack_from
_RANGE_M = NM_M / 256.0
_AZIMUTH_DEG = 360.0 / 65536.0
_XY_M = NM_M / 128.0
_SPEED_MPS = NM_M / 16384.0
_new = tuple.__new__


def decode(data: bytes, items: dict[str, int], offset: int) -> Cat048Record:
    """Build the record from the item positions ``walk_record`` found.

    Hot path (every radar plot): one dict look-up per item, ``struct`` for the 16-bit
    pairs, and the record built in one step from a tuple.
    """
    sac = sic = tod = rng = az = fl = x = y = gs = hdg = None
    typ = sim = m3a = addr = ident = tn = bds = None
    get = items.get
    p = get("I048/010")
    if p is not None:
        sac = data[p]
        sic = data[p + 1]
    p = get("I048/140")
    if p is not None:
        tod = ((data[p] << 16) | (data[p + 1] << 8) | data[p + 2]) / 128.0
    p = get("I048/020")
    if p is not None:
        typ = data[p] >> 5
        sim = bool(data[p] & 0x10)
    p = get("I048/040")
    if p is not None:
        rho, theta = _HH(data, p)
        rng = rho * _RANGE_M
        az = theta * _AZIMUTH_DEG
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
        xx, yy = _hh(data, p)
        x = xx * _XY_M
        y = yy * _XY_M
    p = get("I048/200")
    if p is not None:
        speed, heading = _HH(data, p)
        gs = speed * _SPEED_MPS
        hdg = heading * _AZIMUTH_DEG
    return _new(
        Cat048Record,
        (
            offset,
            sac,
            sic,
            tod,
            tuple(items),
            typ,
            sim,
            rng,
            az,
            m3a,
            fl,
            addr,
            ident,
            tn,
            x,
            y,
            gs,
            hdg,
            bds,
        ),
    )
