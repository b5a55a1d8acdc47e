"""A small valid site file whose line numbers the error tests rely on."""

from __future__ import annotations

BASE_SITE = """\
version: 1
site:
  id: test
  name: Test site
  origin: {lat: 51.6, lon: 23.7}
  timezone: Europe/Kyiv
borders:
  - id: b1
    name: Line
    coordinates: [[23.60, 51.50], [23.70, 51.60], [23.80, 51.60]]
    sides: {left: BY, right: UA}
    home_side: UA
sectors:
  - id: s1
    name: Sector 1
    unit: Unit 1
    border: b1
    from_km: 0
    to_km: 5
zones:
  - id: z1
    name: Zone 1
    kind: restricted
    polygon: [[23.70, 51.55], [23.72, 51.55], [23.72, 51.57], [23.70, 51.57]]
cameras:
  - id: cam-1
    name: Camera 1
    sector: s1
    source: {kind: stream, url: "rtsp://10.0.0.1/stream", transport: tcp}
    rules:
      - {kind: line, id: l1, points: [[0, 0], [100, 100]]}
      - {kind: zone, id: r2, polygon: [[0, 0], [100, 0], [100, 100]]}
"""


def edited(old: str, new: str) -> str:
    """BASE_SITE with exactly one occurrence of ``old`` replaced."""
    assert BASE_SITE.count(old) == 1, f"{old!r} must occur once in BASE_SITE"
    return BASE_SITE.replace(old, new)
