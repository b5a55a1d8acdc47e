"""I062/500 estimated accuracies of a CAT062 system track: its position covariance.

The decoder keeps records lean; the few callers that want a track's own covariance read
it here, walking the record again from its offset. Subfields used (CAT062 edition 1.18):
APC (standard deviations of X and Y, LSB 0.5 m), COV (the XY covariance component, sent
as ``sign(cov) · sqrt(|cov|)``, LSB 0.5 m) and APW (standard deviations of latitude and
longitude, LSB 180/2^25 degrees), the last turned into metres at the track's latitude.
"""

from __future__ import annotations

import math

from kordon.sensors.asterix import cat062
from kordon.sensors.asterix.errors import AsterixDecodeError
from kordon.sensors.asterix.fields import s, u
from kordon.sensors.asterix.uap import walk_record

Cov2 = tuple[tuple[float, float], tuple[float, float]]

_APW_DEG = 180.0 / (1 << 25)
_M_PER_DEG = 111_320.0
_SUBFIELD_SIZES = (4, 2, 4, 1, 1, 2, 2, 1)  # APC COV APW AGA ABA ATV AA ARC


def track_covariance(data: bytes, offset: int, lat_deg: float | None = None) -> Cov2 | None:
    """East/north covariance (m²) from I062/500 of the CAT062 record whose FSPEC is at
    ``data[offset]``; ``None`` when the record has no APC or APW subfield (or cannot be
    walked). APW needs ``lat_deg`` to scale longitude."""
    try:
        items, _end = walk_record(cat062.UAP, data, offset, len(data), 0)
    except AsterixDecodeError:
        return None
    p = items.get("I062/500")
    if p is None:
        return None
    present: list[int] = []
    q = p
    octet = 0
    while True:
        value = data[q]
        present.extend(octet * 7 + i for i in range(7) if value & (0x80 >> i))
        q += 1
        octet += 1
        if not value & 1:
            break
    starts: dict[int, int] = {}
    for index in present:
        if index >= len(_SUBFIELD_SIZES):
            return None
        starts[index] = q
        q += _SUBFIELD_SIZES[index]
    if 0 in starts:
        a = starts[0]
        sx, sy = u(data, a, 2) * 0.5, u(data, a + 2, 2) * 0.5
        cxy = 0.0
        if 1 in starts:
            c = s(data, starts[1], 2) * 0.5
            cxy = math.copysign(c * c, c)
        return ((sx * sx, cxy), (cxy, sy * sy))
    if 2 in starts and lat_deg is not None:
        a = starts[2]
        s_north = u(data, a, 2) * _APW_DEG * _M_PER_DEG
        s_east = u(data, a + 2, 2) * _APW_DEG * _M_PER_DEG * math.cos(math.radians(lat_deg))
        return ((s_east * s_east, 0.0), (0.0, s_north * s_north))
    return None
